import { dictionary } from '@zxcvbn-ts/language-common';

let passwords: ReadonlySet<string> | undefined;

/**
 * The most commonly used passwords (about 49,000, lower-case) from zxcvbn-ts's common dictionary, which the package
 * decompresses when it is first imported; built into a set on first use.
 */
export const commonPasswords = (): ReadonlySet<string> => (passwords ??= new Set(dictionary['passwords-common']));
