/** A problem in an objective or taxonomy file: the message names the file, the key and what was expected. */
export class ObjectiveError extends Error {
  override readonly name = 'ObjectiveError';
  constructor(
    readonly file: string,
    readonly key: string,
    readonly problem: string,
  ) {
    super(`${file}${key ? `: ${key}` : ''}: ${problem}`);
  }
}

/** Content changed under a version already recorded: a new version is needed. */
export class ObjectiveConflictError extends Error {
  override readonly name = 'ObjectiveConflictError';
  constructor(
    readonly objectiveId: string,
    readonly version: number,
    readonly recordedHash: string,
    readonly fileHash: string,
    readonly file: string,
  ) {
    super(
      `${file}: objective ${objectiveId} version ${version} was recorded with content hash ${recordedHash.slice(0, 12)}…, ` +
        `the file now hashes to ${fileHash.slice(0, 12)}…: changing an objective needs a new version`,
    );
  }
}
