// The parse floor: the least any tool must do with a JSON-lines file — read it and
// JSON.parse every line — as a bare Node loop. bench/run.ts reports tracectl's times as
// ratios to this, measured on the same file in the same run.
//   node bench/floor.mjs FILE
import { createReadStream } from 'node:fs';

const path = process.argv[2];
let lines = 0;
let rest = '';
for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const text = rest + chunk;
  let start = 0;
  let end;
  while ((end = text.indexOf('\n', start)) !== -1) {
    if (end > start) {
      JSON.parse(text.slice(start, end));
      lines++;
    }
    start = end + 1;
  }
  rest = text.slice(start);
}
if (rest.trim() !== '') {
  JSON.parse(rest);
  lines++;
}
console.log(`${lines} lines parsed`);
