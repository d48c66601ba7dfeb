// How every browser test starts Debian's Chromium: its path (GLASSBOX_CHROMIUM overrides) and the offline-safe flags.
export const chromiumPath = process.env.GLASSBOX_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
