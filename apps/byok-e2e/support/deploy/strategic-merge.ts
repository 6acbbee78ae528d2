type Json = Record<string, unknown>;

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Strategic merge as kustomize applies it for the fields used here: maps merge, null deletes a
// field, lists of named items merge by name (`$patch: delete` removes one), other lists replace.
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch) || !isPlainObject(target)) return structuredClone(patch);

  const merged: Json = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch') continue;
    if (value === null) {
      delete merged[key];
    } else if (Array.isArray(value) && Array.isArray(merged[key]) && isNamedList(value)) {
      merged[key] = mergeNamedLists(merged[key] as Json[], value as Json[]);
    } else {
      merged[key] = strategicMerge(merged[key], value);
    }
  }

  return merged;
}

function isNamedList(list: unknown[]): boolean {
  return list.length > 0 && list.every((item) => isPlainObject(item) && 'name' in item);
}

function mergeNamedLists(target: Json[], patch: Json[]): Json[] {
  const result = target.map((item) => structuredClone(item));

  for (const item of patch) {
    const index = result.findIndex((existing) => existing.name === item.name);
    if (item.$patch === 'delete') {
      if (index >= 0) result.splice(index, 1);
    } else if (index >= 0) {
      result[index] = strategicMerge(result[index], item) as Json;
    } else {
      result.push(strategicMerge({}, item) as Json);
    }
  }

  return result;
}
