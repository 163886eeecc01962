import type { KnipConfig } from 'knip';
import { ALL_HANDLERS } from './infra/handler-catalog.ts';

/**
 * Dead-code guard (`npm run lint:dead`, part of `npm test`): knip reports unused files, exports, types,
 * enum members and dependencies. Entries are the modules something outside the import graph starts: the
 * Lambda handlers the stack deploys (from the handler catalog), the `npm run` scripts, the CDK app, the
 * dashboard's static page, and the tests. Exports of entry files are checked too (`includeEntryExports`);
 * what a runtime reaches by name is tagged `@public` where it is declared, with the reason. Besides knip's
 * defaults it checks the exports of modules imported as a namespace (`import * as x`) and import cycles.
 */
const config: KnipConfig = {
  entry: [
    ...ALL_HANDLERS.map((h) => `functions/handlers/${h.file}.ts!`),
    'infra/app.ts!',
    'infra/export-function-policies.ts!',
    'cli/main.ts!',
    'local/cloud/main.ts!',
    'local/cloud/coverage.ts!',
    'local/runtime/main.ts!',
    'local/runtime/demo.ts!',
    'statemachine/src/build.ts!',
    // bench/run.ts and the sections it starts by file name, each in its own process
    'bench/*.ts!',
    'dashboard/public/*.js!',
    'test/**/*.test.ts',
    'test/setup.ts',
  ],
  // `knip --production` (not part of the guard) lists what only tests reach; test helpers are not production code
  project: ['**/*.{ts,js}!', '!cdk.out/**', '!test/**!'],
  includeEntryExports: true,
  include: [
    'files',
    'dependencies',
    'devDependencies',
    'optionalPeerDependencies',
    'unlisted',
    'binaries',
    'unresolved',
    'exports',
    'nsExports',
    'types',
    'nsTypes',
    'enumMembers',
    'namespaceMembers',
    'duplicates',
    'cycles',
  ],
};

export default config;
