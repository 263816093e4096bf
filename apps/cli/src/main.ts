#!/usr/bin/env node
/** The `skipnet` command-line trainer. */
import { CliError, commandHelp, parseCommand, type Command } from './args.js';
import { compareCommand } from './commands/compare.js';
import { evalCommand } from './commands/eval.js';
import { listCommand } from './commands/list.js';
import { predictCommand } from './commands/predict.js';
import { summaryCommand } from './commands/summary.js';
import { trainCommand } from './commands/train.js';

const commands: Command[] = [trainCommand, evalCommand, predictCommand, summaryCommand, compareCommand, listCommand];

function mainHelp(): string {
  return `skipnet — train and inspect skip-connection networks

Usage: skipnet <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run 'skipnet <command> --help' for a command's options.
Quick start: skipnet train   (ResNet-20 on the built-in MNIST digits)
`;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name ? 0 : argv.length === 0 ? 0 : 0;
  }
  const cmd = commands.find((c) => c.name === name);
  try {
    if (!cmd) throw new CliError(`unknown command '${name}'; valid: ${commands.map((c) => c.name).join(', ')}`, 2);
    const { values, positionals } = parseCommand(cmd, rest);
    if (values.help) {
      process.stdout.write(commandHelp(cmd));
      return 0;
    }
    const code = await cmd.run(values, positionals);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof CliError) {
      process.stderr.write(`skipnet: error: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`skipnet: error: ${(e as Error).message}\n`);
    if (process.env.SKIPNET_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
