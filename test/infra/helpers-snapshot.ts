/** A template with asset hashes and bundling-dependent values replaced, for stable snapshots. */
export const normalizeTemplate = (template: unknown): unknown =>
  JSON.parse(
    JSON.stringify(template)
      .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, '<asset-hash>$1')
      .replace(/"S3Key":"[^"]*"/g, '"S3Key":"<asset>"'),
  );
