// `npm run test:electron`: the same flows in a downloaded desktop VS Code (@vscode/test-electron); needs the internet.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const userDataDir = mkdtempSync(join(tmpdir(), 'glassbox-electron-'));
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'test', 'electron', 'suite.cjs'),
    launchArgs: [
      join(root, 'demo'),
      '--user-data-dir',
      userDataDir,
      '--disable-extensions',
      '--disable-workspace-trust',
    ],
    extensionTestsEnv: { GLASSBOX_TEST_USER_DATA: userDataDir },
  });
} finally {
  rmSync(userDataDir, { recursive: true, force: true });
}
