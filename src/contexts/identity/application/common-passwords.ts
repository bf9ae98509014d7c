let passwords: Promise<ReadonlySet<string>> | undefined;

/**
 * The most commonly used passwords (about 49,000, lower-case) from zxcvbn-ts's common dictionary. Loaded on first use,
 * not at start: the package decompresses the dictionary when it is imported (about 40 ms and 5 MB), which a process
 * that never sets a password should not pay.
 */
export const commonPasswords = (): Promise<ReadonlySet<string>> =>
  (passwords ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'])));
