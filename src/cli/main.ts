// Command-line entry (`glassbox`): prints usage and the version; real subcommands come later.
import { version } from '../../package.json';

const USAGE = `Usage: glassbox [--version] [--help]

Glassbox runs a small language model locally with ONNX Runtime.
  --version   print the version and exit
  --help      print this help and exit
`;

function main(argv: readonly string[]): number {
  if (argv.includes('--version') || argv.includes('-v')) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`glassbox: unknown arguments: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

process.exitCode = main(process.argv.slice(2));
