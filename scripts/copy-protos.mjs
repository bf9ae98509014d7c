// Copies every .proto file under src/ to the same place under dist/: the gRPC facades load them next to their
// compiled code (ADR 0036). Paths are taken from this file's place, so it runs from any directory.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

const protos = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.proto'))
  .map((entry) => join(entry.parentPath, entry.name));

for (const proto of protos) {
  const target = join(dist, relative(src, proto));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(proto, target);
}
console.log(`copied ${protos.length} .proto files to ${relative(root, dist)}/`);
