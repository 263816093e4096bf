/** `skipnet list models|datasets|backends`. */
import { listBackends } from '@skipnet/core';
import { listDatasets } from '@skipnet/data';
import { listModels, modelInfo } from '@skipnet/models';
import { CliError, type Command } from '../args.js';
import { registerBackends } from '../setup.js';

/** The `list` command. */
export const listCommand: Command = {
  name: 'list',
  summary: 'List the models, datasets or backends you can use.',
  usage: 'skipnet list models|datasets|backends [--json]',
  options: { json: { type: 'boolean', help: 'print JSON' } },
  async run(values, positionals) {
    const what = positionals[0];
    const kinds = ['models', 'datasets', 'backends'];
    if (!what || !kinds.includes(what)) throw new CliError(`list: say what to list: ${kinds.join(', ')}${what ? ` (got '${what}')` : ''}`, 2);
    let rows: { name: string; description: string }[];
    if (what === 'models') {
      rows = listModels().map((name) => ({ name, description: modelInfo(name).description }));
    } else if (what === 'datasets') {
      rows = listDatasets().map((d) => ({ name: d.name, description: `${d.task} — ${d.description}` }));
    } else {
      await registerBackends();
      rows = listBackends().map((n) => ({
        name: n,
        description: n === 'wasm' ? 'WebAssembly SIMD, threaded (fastest in Node)' : n === 'cpu' ? 'plain TypeScript (reference)' : '',
      }));
    }
    if (values.json) console.log(JSON.stringify(rows));
    else for (const r of rows) console.log(`${r.name.padEnd(20)} ${r.description}`);
  },
};
