// Lowercase hex, the form ids, keys and signatures take in JS and on the
// wire (PROTOCOL.md). Internal to the library.
import { CellgraphError } from './errors.js';

/** @param {Uint8Array} bytes */
export const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The bytes an even number of hex digits stand for; anything else is
 * INVALID_ARGUMENT naming the first bad position.
 * @param {string} text
 */
export function fromHex(text) {
  if (typeof text !== 'string') throw new CellgraphError('INVALID_ARGUMENT', 'hex text must be a string');
  if (text.length % 2 !== 0) throw new CellgraphError('INVALID_ARGUMENT', `hex text has an odd number of digits (${text.length})`);
  const bad = text.search(/[^0-9a-fA-F]/);
  if (bad >= 0) throw new CellgraphError('INVALID_ARGUMENT', `not a hex digit at position ${bad}`);
  return Uint8Array.from({ length: text.length / 2 }, (_, i) => parseInt(text.slice(2 * i, 2 * i + 2), 16));
}
