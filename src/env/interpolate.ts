/**
 * `${VAR}` and `${VAR:-default}` inside values, resolved against the layers below (and earlier keys
 * of the same layer). `\$` is a literal dollar. An unknown variable becomes the empty string, as in
 * a shell; `${VAR:-default}` gives the default when VAR is unset or empty.
 */
const REFERENCE = /\\\$|\$\{([A-Za-z_][\w.-]*)(?::-([^}]*))?\}/g;

export function interpolate(value: string, lookup: (name: string) => string | undefined, onMissing?: (name: string) => void): string {
  return value.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '\\$') return '$';
    const found = lookup(name!);
    if (found === undefined && fallback === undefined) onMissing?.(name!);
    return found === undefined || (found === '' && fallback !== undefined) ? (fallback ?? '') : found;
  });
}

/** The `${…}` references in a value, for validation. */
export function referencesIn(value: string): string[] {
  return [...value.matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]!);
}
