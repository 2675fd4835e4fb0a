/**
 * jest's resolver, with one correction: a test that adds the `module-sync` export condition (the
 * recording service's music-metadata exports nothing else) would also send CommonJS packages such
 * as async-function, pulled in by exceljs, to their `require.mjs` shim, which jest cannot load.
 * Such a resolution to an ES module file is retried without `module-sync`.
 */
module.exports = (request, options) => {
  const resolved = options.defaultResolver(request, options);
  if (/\.mjs$/.test(resolved) && options.conditions && options.conditions.includes('module-sync')) {
    try {
      return options.defaultResolver(request, { ...options, conditions: options.conditions.filter((c) => c !== 'module-sync') });
    } catch {
      return resolved;
    }
  }
  return resolved;
};
