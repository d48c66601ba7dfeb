// What a model folder is called on screen: its folder name, or the repository's for a Hugging Face cache snapshot.

/**
 * `.../models--org--Name/snapshots/<commit>` is called `Name` (its folder is only a commit hash); any other folder by
 * its own name.
 */
export function modelDisplayName(dir: string): string {
  const parts = dir.split(/[\\/]+/).filter((p) => p !== '');
  const last = parts.at(-1) ?? dir;
  const repo = parts.at(-3);
  if (parts.at(-2) === 'snapshots' && repo?.startsWith('models--')) {
    return repo.slice('models--'.length).split('--').slice(1).join('/') || last;
  }
  return last;
}
