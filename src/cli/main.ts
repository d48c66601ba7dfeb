// Command-line entry (`glassbox`): the command table, usage, and error reporting (stderr, non-zero exit).
import { version } from '../../package.json';
import { Args, optionsHelp, UsageError } from './args';
import { COMMON_OPTIONS, type CliCommand, type CliIO } from './command';
import { downloadCommand } from './download';
import { generateCommand } from './generate';
import { infoCommand } from './info';
import { inspectCommand } from './inspect';
import { installCudaCommand } from './install-cuda';
import { modelsCommand } from './models';
import { MAX_COMMAND_LINE_BYTES } from './read-text';
import { scoreCommand } from './score';
import { serveCommand } from './serve';

/** Every command; add one line per new command. */
const COMMANDS: CliCommand[] = [
  generateCommand,
  inspectCommand,
  scoreCommand,
  infoCommand,
  downloadCommand,
  modelsCommand,
  installCudaCommand,
  serveCommand,
];

const io: CliIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: glassbox <command> [options]   (glassbox <command> --help for its options)

Glassbox runs a small language model locally with ONNX Runtime.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options every command takes:
${optionsHelp(COMMON_OPTIONS)}
  --version  print the version and exit
`;
}

function commandUsage(c: CliCommand): string {
  return `Usage: glassbox ${c.name}${c.positional ? ` ${c.positional}` : ''} [options]\n\n${c.summary}\n\n${optionsHelp([...c.options, ...COMMON_OPTIONS])}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-v') {
    io.stdout(`${version}\n`);
    return 0;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    io.stderr(`glassbox: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(commandUsage(command));
    return 0;
  }
  const commandLine = rest.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  if (commandLine > MAX_COMMAND_LINE_BYTES) {
    io.stderr(
      `glassbox ${command.name}: the command line holds ${commandLine} bytes; ONNX Runtime crashes on command lines ` +
        `over about 28 KB, so Glassbox takes at most ${MAX_COMMAND_LINE_BYTES}: pass long text in a file ` +
        '(--prompt-file PATH, or - for standard input)\n',
    );
    return 2;
  }
  try {
    const args = Args.parse(rest, [...command.options, ...COMMON_OPTIONS], command.positional !== undefined);
    return await command.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`glassbox ${command.name}: ${e.message}\n\n${commandUsage(command)}`);
      return 2;
    }
    const code = (e as { code?: unknown }).code;
    io.stderr(
      `glassbox ${command.name}: ${(e as Error).message ?? String(e)}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
    );
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
