// Lint for the whole workspace. Module boundaries are enforced from each project's tags
// (package.json "nx.tags"): apps never import apps, the crypto core is crypto-service's alone,
// and contracts depend on nothing of ours.
const nx = require('@nx/eslint-plugin');
const tseslint = require('typescript-eslint');

const depConstraints = [
  {
    sourceTag: 'type:app',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:domain'],
  },
  {
    sourceTag: 'type:e2e',
    onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:dev-kit'],
  },
  { sourceTag: 'type:dev-kit', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
  { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra'] },
  { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
  { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:crypto', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:crypto-service', onlyDependOnLibsWithTags: ['scope:shared', 'scope:crypto'] },
  { sourceTag: 'scope:gateway', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:config-service', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:inference-router', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:audit-service', onlyDependOnLibsWithTags: ['scope:shared'] },
  { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:shared'] },
];

// An app's own tests may also use the development kit, for the one test-infrastructure helper.
const testDepConstraints = depConstraints.map((constraint) =>
  constraint.sourceTag === 'type:app'
    ? {
        ...constraint,
        onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:dev-kit'],
      }
    : constraint,
);

module.exports = [
  { ignores: ['**/dist/**', '**/node_modules/**', 'tmp/**', 'coverage/**', '.nx/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        { depConstraints, enforceBuildableLibDependency: false, banTransitiveDependencies: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
      'max-len': [
        'error',
        {
          code: 100,
          ignorePattern: '^import |^\\s*//|^\\s*\\*',
          ignoreUrls: true,
          ignoreRegExpLiterals: true,
        },
      ],
      'padding-line-between-statements': [
        'error',
        { blankLine: 'always', prev: '*', next: 'return' },
        { blankLine: 'always', prev: ['const', 'let'], next: 'expression' },
      ],
    },
  },
  {
    files: ['apps/*/tests/**/*.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          depConstraints: testDepConstraints,
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: false,
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
];
