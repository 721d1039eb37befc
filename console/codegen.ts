// Types for the console from the server's own schema files: an operation
// that no longer matches the schema fails codegen, so a schema change that
// breaks the console fails its build.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: ["../schema.graphql", "../graph/*.graphql"],
  documents: ["src/**/*.{ts,tsx}", "!src/gql/**/*"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        scalars: { Time: "string", Cursor: "string", Upload: "File", Map: "Record<string, unknown>", ID: "string" },
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
  },
};

export default config;
