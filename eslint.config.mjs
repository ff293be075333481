// Lint (`npm run lint`, part of `npm test`), type-aware (typescript-eslint).
// src/ and demo/: the recommended type-checked rules, which find dead code
// (no-unused-vars) and dropped promises (no-floating-promises: a promise lost
// in GPU code fails silently). test/: the rules that catch a test that cannot
// fail (an un-awaited `expect(...).rejects`, a promise passed where a value
// is expected) and dead code; tests handle untyped values on purpose (TF.js
// models, parsed JSON), so the no-unsafe-* rules stay off there.
// A disable comment must give its reason on the same line
// (`// eslint-disable-next-line rule -- why`): local/disable-needs-reason.
import tseslint from 'typescript-eslint';

/** Reports eslint-disable comments that do not say why (`-- reason`). */
const disableNeedsReason = {
  meta: { type: 'suggestion', schema: [], messages: { reason: "Say why on the same line: '{{ directive }} <rule> -- <reason>'." } },
  create(context) {
    return {
      Program() {
        for (const c of context.sourceCode.getAllComments()) {
          const m = /^\s*(eslint-disable(?:-next-line|-line)?)\b/.exec(c.value);
          if (m && !/\s--\s*\S/.test(c.value)) context.report({ loc: c.loc, messageId: 'reason', data: { directive: m[1] } });
        }
      },
    };
  },
};

const unusedVars = ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/**', 'examples/**', 'demo/dist/**', 'scripts/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { local: { rules: { 'disable-needs-reason': disableNeedsReason } } },
    rules: { 'local/disable-needs-reason': 'error' },
  },
  {
    files: ['src/**/*.ts', 'demo/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['test/**/*.ts'],
    extends: [tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-unused-vars': unusedVars,
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
);
