/**
 * Attribute keys that OpenTelemetry's semantic conventions renamed, old name first. A
 * `--where` on either name matches spans that carry the other, since a user's guide may
 * say `http.status_code` while the data says `http.response.status_code` (or back).
 * Every layer that looks an attribute up by a user's key uses `keyAliases`.
 */
export const RENAMED_KEYS: readonly (readonly [old: string, current: string])[] = [
  ['http.status_code', 'http.response.status_code'],
  ['http.method', 'http.request.method'],
  ['http.url', 'url.full'],
  ['http.scheme', 'url.scheme'],
  ['http.user_agent', 'user_agent.original'],
  ['net.peer.name', 'server.address'],
  ['net.peer.port', 'server.port'],
  ['peer.service', 'service.peer.name'],
  ['db.system', 'db.system.name'],
  ['db.statement', 'db.query.text'],
  ['db.operation', 'db.operation.name'],
  ['gen_ai.system', 'gen_ai.provider.name'],
];

const aliases = new Map<string, string[]>();
for (const [old, current] of RENAMED_KEYS) {
  aliases.set(old, [...(aliases.get(old) ?? []), current]);
  aliases.set(current, [...(aliases.get(current) ?? []), old]);
}

/** The other names of `key` (empty when it was never renamed). */
export function keyAliases(key: string): readonly string[] {
  return aliases.get(key) ?? [];
}
