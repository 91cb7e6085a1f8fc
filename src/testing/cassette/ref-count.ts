/**
 * A process-wide installation (a patch, a listener) shared by every active cassette: installed
 * when the first holder acquires it, removed when the last one releases it.
 */
export interface SharedInstall {
  /** Takes one hold (installing on the first); returns its release, which is safe to call twice. */
  acquire(): () => void;
  /** Number of holds. */
  readonly holders: number;
}

/** Makes a {@link SharedInstall} from `install`, which patches and returns the undo. */
export function sharedInstall(install: () => (() => void) | undefined): SharedInstall {
  let holders = 0;
  let undo: (() => void) | undefined;
  return {
    acquire() {
      holders += 1;
      if (holders === 1) undo = install();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        holders -= 1;
        if (holders === 0) {
          const u = undo;
          undo = undefined;
          u?.();
        }
      };
    },
    get holders() {
      return holders;
    },
  };
}
