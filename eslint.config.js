// One lint config for the TypeScript workspaces (clients/ts, tests/ts,
// app/web); eslint finds it from each. tests/web3js keeps its own (plain JS, own lockfile).
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/', '**/dist-test/', 'clients/ts/src/idl/', 'tests/web3js/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      eqeqeq: 'error',
      'prefer-const': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // The web app's page code runs in a browser.
  { files: ['app/web/src/**'], languageOptions: { globals: globals.browser } },
);
