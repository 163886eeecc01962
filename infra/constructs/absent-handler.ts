/**
 * Stands in for a `functions/handlers/<file>.ts` that does not exist yet, and only while bundling is skipped
 * (`aws:cdk:bundling-stacks: []`, as template tests do). A synth that bundles never uses it: a missing entry
 * file fails that synth.
 */
export const handler = async (): Promise<never> => {
  throw new Error('absent handler: this function was synthesized without its entry file');
};
