/** Where a command writes: standard output and standard error (tests capture both). */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}
