// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers (docs/architecture.md): data flows sources → formats → model → analyze → report,
 * `pipeline/` runs the loop and `commands/` wire it. Each folder may import only the layers
 * listed for it; the entry files (`src/cli.ts`, `src/io.ts`) and `commands/` may import all.
 * A wrong-way import fails `npm run lint`.
 */
const LAYERS = {
  model: [],
  formats: ['model'],
  sources: ['model', 'formats'],
  analyze: ['model'],
  report: ['model', 'analyze'],
  pipeline: ['model', 'formats', 'sources', 'analyze'],
};
const FOLDERS = ['model', 'formats', 'sources', 'analyze', 'report', 'pipeline', 'commands'];

function layerRules(layer, allowed) {
  const forbidden = FOLDERS.filter((f) => f !== layer && !allowed.includes(f));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // A relative import that reaches another layer's folder, or the entry files.
              regex: `^\\.\\.?/(?:\\.\\./)*(?:(?:${forbidden.join('|')})/|(?:cli|io)\\.js$)`,
              message: `src/${layer}/ may import only ${allowed.length === 0 ? 'its own files' : allowed.map((a) => `${a}/`).join(', ')} (docs/architecture.md).`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'fixtures/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  ...Object.entries(LAYERS).map(([layer, allowed]) => layerRules(layer, allowed)),
  {
    // Only the entry point, scripts and the benchmark talk to the process directly.
    files: ['bin/**', 'scripts/**', 'bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['bin/**/*.js', 'bench/**/*.mjs', 'test/**/apps/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
