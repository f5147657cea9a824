/**
 * The module graph alone: the folders under api/src/modules and the imports between them. The
 * GraphQL layer and the composition roots (services.ts, app.ts) import every module by design,
 * and table and view files name each other's tables (foreign keys and view definitions: the
 * database schema is one graph by nature), so they are left out here; the boundary rules in .dependency-cruiser.cjs still
 * hold for them.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-module-cycles',
      severity: 'error',
      comment: 'Modules depend on each other in one direction only; talk back through typed events or a small read interface.',
      from: { path: '^api/src/modules/[^/]+$' },
      to: { path: '^api/src/modules/[^/]+$', circular: true },
      scope: 'folder',
    },
  ],
  options: {
    includeOnly: '^api/src/modules/',
    exclude: { path: '\\.(table|view)\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
