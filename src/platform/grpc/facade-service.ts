import type { ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

/** A gRPC service of a context's facade: its full name (`orderly.catalog.v1.ProductCatalog`) and its methods. */
export type FacadeService = { name: string; definition: ServiceDefinition };

/*
 * Messages as plain objects: field names in camelCase as our contracts spell them, int64 as numbers (amounts are
 * safe integers), enums as their names, absent scalars as their defaults and absent messages as null, `optional`
 * fields absent when unset. The build copies the .proto files next to the compiled code, so `common.proto` is
 * found next to this file in src/ and in dist/ alike.
 */
const LOAD_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [__dirname],
};

const loaded = new Map<string, PackageDefinition>();

const packageOf = (protoFile: string): PackageDefinition => {
  let definition = loaded.get(protoFile);
  if (!definition) {
    definition = loadSync(protoFile, LOAD_OPTIONS);
    loaded.set(protoFile, definition);
  }
  return definition;
};

/**
 * The service `name` of a .proto file (an absolute path, e.g. next to the context's contracts: pass
 * `join(__dirname, '../contracts/catalog.proto')` from its infrastructure). Each file is parsed once per process.
 */
export const loadFacadeService = (protoFile: string, name: string): FacadeService => {
  const definition = packageOf(protoFile)[name];
  if (!definition || 'format' in definition) throw new Error(`${protoFile} defines no service ${name}`);
  return { name, definition: definition as ServiceDefinition };
};
