import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'test-results/**', 'data/**', 'console/dist/**', '**/.exp-tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@typescript-eslint/no-explicit-any': ['warn'],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error'],
    },
  },
  // Module boundaries (ARCHITECTURE §1): a core module reaches another only through its service,
  // types and schemas — never its repository, routes or module definition — and never holds the
  // raw knex or OltpStore (its database is confined to its tables). core/test/boundaries.test.ts
  // proves each pattern still fails.
  {
    files: ['core/src/modules/**/*.ts', 'core/src/jobs/**/*.ts'],
    // The list of core's modules is the one place that names them all.
    ignores: ['core/src/modules/index.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../**/*.repo.js', '../**/*.routes.js', '../**/*.module.js', '../*/index.js'],
              message: 'Another module is reached only through its *.service.js (and *.types.js / *.schemas.js).',
            },
            {
              group: ['knex'],
              allowTypeImports: true,
              message: 'A module uses the database it is given (kernelServices.moduleDatabase), never knex itself.',
            },
            {
              group: ['**/store/oltp/knex.js'],
              message: 'A module uses the database it is given (kernelServices.moduleDatabase), never knex itself.',
            },
            {
              group: ['**/store/oltp/oltp-store.js'],
              importNames: ['OltpStore', 'TenantDb'],
              allowTypeImports: true,
              message: 'A module gets its ModuleDatabase (its own tables only), not the whole OLTP store.',
            },
            {
              group: ['**/app.js', '**/kernel/kernel.js'],
              allowTypeImports: true,
              message: 'Modules are wired by the kernel; they do not reach into the app or the kernel object.',
            },
          ],
        },
      ],
    },
  },
  // Plugins import only the plugin API of core (ARCHITECTURE §2).
  {
    files: ['plugins/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@huiliu/core(?!/plugin-api$)|/core/src/',
              message: 'A plugin imports only @huiliu/core/plugin-api.',
            },
          ],
        },
      ],
    },
  },
  // The outside-style example plugins (docs/plugins/examples): sources import only the plugin API,
  // tests only the testing kit — nothing of the repository (ADR 0043).
  {
    files: ['docs/plugins/examples/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@huiliu/core(?!/plugin-api$)|^\\.\\./\\.\\./',
              message: 'An example plugin imports only @huiliu/core/plugin-api.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['docs/plugins/examples/*/test/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@huiliu/core(?!/(testing|plugin-api)$)|^\\.\\./\\.\\./',
              message: 'An example plugin’s tests import only @huiliu/core/testing (and the plugin API).',
            },
          ],
        },
      ],
    },
  },
  // The Node SDK runs on Node's built-ins alone: core only for types (sdk/node/test checks the built JS).
  {
    files: ['sdk/node/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!node:|\\./)',
              allowTypeImports: true,
              message: 'The Node SDK has no runtime dependency: Node built-ins (node:…) and its own files only; core for types.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/test/**', '**/*.test.ts', 'e2e/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['**/*.mjs', '*.js'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
