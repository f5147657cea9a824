/**
 * The module boundaries of the OC (DESIGN.md section 2), checked in CI by `npm run lint:deps`.
 * Table files declare foreign keys to each other's tables, and view files (a module's read models,
 * declared as schema) join them: the database schema is one graph by nature, so both may import
 * tables. Code that queries may not: it reads its own tables and views only. Cycles between
 * modules are checked over the module graph alone, by .dependency-cruiser-modules.cjs.
 */
const MODULE = '^api/src/modules/([^/]+)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'shared-kernel-imports-no-module',
      severity: 'error',
      comment: 'api/src/shared and api/src/db serve every module and know none (db/schema.ts and db/relations.ts gather the tables).',
      from: { path: '^api/src/shared/' },
      to: { path: '^api/src/(modules|graphql|server|services)' },
    },
    {
      name: 'no-other-modules-tables-or-repositories',
      severity: 'error',
      comment: 'A module reads and writes its own tables and views only; other modules ask its service.',
      from: { path: `${MODULE}[^/]+$`, pathNot: '\\.(table|view)\\.ts$' },
      to: { path: '^api/src/modules/([^/]+)/[^/]+\\.(table|view|repository)\\.ts$', pathNot: `^api/src/modules/$1/` },
    },
    {
      name: 'ui-stays-out-of-the-api',
      severity: 'error',
      comment: 'The dashboard talks to the OC over GraphQL only.',
      from: { path: '^ui/' },
      to: { path: '^(api|agent)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^ui/\\.svelte-kit', '^ui/build'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.svelte'] },
  },
};
