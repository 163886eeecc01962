/**
 * The schema library of everything a Lambda imports: zod's tree-shakable "mini" API (functions instead of
 * methods — `z.optional(s)`, `s.check(z.minLength(1))`), so each bundle keeps only the checks it uses
 * (~28 KiB instead of ~97 KiB for zod classic; docs/decisions/0006-lambda-credentials-and-zod-mini.md). Same
 * validation core, same issue codes; the English messages are loaded here (zod mini loads no locale), so an
 * issue without a custom message reads as it did with zod classic ("Invalid input: expected string, received
 * number"). Import it as `import * as z from './zod.ts'`; biome refuses `zod` itself under functions/.
 */

import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

config(en());

export * from 'zod/mini';
