/**
 * Fastify's JSON-schema compilers (ajv for validation, fast-json-stringify for serialisation), loaded
 * from node_modules the first time a route declares a schema. backchat validates requests with zod
 * (src/protocol) and writes its own JSON, so normally that never happens — and the ~450 KB of those
 * packages stays out of the bundle every command parses at start (scripts/build.mjs; P7 in
 * docs/performance.md). Fastify would otherwise load both as it is created.
 */
import { createRequire } from 'node:module';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<CompilersFactory['buildValidator']>;
type SerializerFactory = NonNullable<CompilersFactory['buildSerializer']>;

/** The packages as `require` resolves them from fastify's own folder (they are its dependencies). */
function fastifyDependency<T>(name: string): T {
  const requireHere = createRequire(import.meta.url);
  return createRequire(requireHere.resolve('fastify'))(name) as T;
}

let validator: ValidatorFactory | undefined;
let serializer: SerializerFactory | undefined;

/** Fastify's default compilers, each built on its first use (the same ones Fastify would build itself). */
export const lazySchemaCompilers: CompilersFactory = {
  buildValidator: (externalSchemas, options) => {
    validator ??= fastifyDependency<() => ValidatorFactory>('@fastify/ajv-compiler')();
    return validator(externalSchemas, options);
  },
  buildSerializer: (externalSchemas, options) => {
    serializer ??= fastifyDependency<() => SerializerFactory>('@fastify/fast-json-stringify-compiler')();
    return serializer(externalSchemas, options);
  },
};
