// The one error type of cellgraph. Every failure a user can see is a
// CellgraphError whose `code` is one of the stable names below.
//
// ErrorCode mirrors `enum class Code` in core/base/status.h (numeric values
// are the wasm ABI); tests/wasm/errors.test.js checks the two agree.

export const ErrorCode = Object.freeze({
  OK: 0,
  INVALID_ARGUMENT: 1,
  TOO_LARGE: 2,
  CORRUPT: 3,
  UNSUPPORTED_VERSION: 4,
  BAD_SIGNATURE: 5,
  UNAUTHORIZED: 6,
  NOT_FOUND: 7,
  CLOCK_SKEW: 8,
  CLOSED: 9,
  INTERNAL: 10,
});

const codeNames = Object.fromEntries(Object.entries(ErrorCode).map(([k, v]) => [v, k]));

export class CellgraphError extends Error {
  /**
   * @param {string} code  a key of ErrorCode, e.g. 'INVALID_ARGUMENT'
   * @param {string} message
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = 'CellgraphError';
    this.code = code;
  }

  /** Rebuilds an error that crossed a postMessage boundary as plain data. */
  static fromJSON({ code, message }) {
    return new CellgraphError(code, message);
  }

  toJSON() {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Name of a numeric core code; unknown numbers map to INTERNAL. */
export function codeName(numeric) {
  return codeNames[numeric] ?? 'INTERNAL';
}
