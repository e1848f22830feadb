/**
 * An operation is a service and a span name. Its key is length-prefixed, so a service name
 * holding the separator cannot make two operations one; the same encoding keys any pair of
 * names (a dependency edge's caller and callee).
 */
export function operationKey(service: string, name: string): string {
  return `${service.length}:${service}\u0000${name}`;
}
