import { writeFileSync } from 'node:fs';
import { buildMonolithOpenApiDocument } from './openapi-document';

/**
 * `node dist/app/openapi.main.js [file]`: writes the API's OpenAPI document (JSON) to `file`, or to stdout, without
 * a database or a server, e.g. to lint it (`npx redocly lint <file>`) or to generate a client from it.
 */
const main = async (): Promise<void> => {
  const json = `${JSON.stringify(await buildMonolithOpenApiDocument(), null, 2)}\n`;
  const file = process.argv[2];
  if (file) writeFileSync(file, json);
  else process.stdout.write(json);
};

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
