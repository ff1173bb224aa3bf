// ESLint for the console's ES modules (services/api/console), run by `make lint`.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    rules: {
      eqeqeq: "error",
      curly: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-implicit-globals": "error",
      "no-unused-vars": ["error", { args: "after-used", argsIgnorePattern: "^_" }],
      // Nothing the API returns is ever parsed as HTML (dom.js builds text nodes).
      "no-restricted-properties": [
        "error",
        { property: "innerHTML", message: "build nodes with dom.el: text stays text" },
        { property: "outerHTML", message: "build nodes with dom.el: text stays text" },
        { object: "document", property: "write", message: "build nodes with dom.el" },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.name='eval']", message: "no eval: the page's CSP refuses it" },
      ],
    },
  },
];
