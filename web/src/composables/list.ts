// Lists the screens load: a loading flag, the error in Chinese, and the rows. `useLoader` loads one
// answer; `useCursorList` pages over a cursor ("加载更多"), replacing or appending.
import { ref, type Ref } from 'vue';

export function useLoader<T>(fetch: () => Promise<T>, initial: T) {
  const data = ref(initial) as Ref<T>;
  const loading = ref(false);
  const error = ref('');
  /** Loads again; resolves to false when it failed (the error is in `error`). */
  async function load(): Promise<boolean> {
    loading.value = true;
    error.value = '';
    try {
      data.value = await fetch();
      return true;
    } catch (e) {
      error.value = (e as Error).message;
      return false;
    } finally {
      loading.value = false;
    }
  }
  return { data, loading, error, load };
}

export interface Page<T> {
  rows: T[];
  next: string | null;
}

export function useCursorList<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>) {
  const rows = ref([]) as Ref<T[]>;
  const next = ref<string | null>(null);
  const loading = ref(false);
  const error = ref('');
  /** The first page (replacing the rows), or with `more` the page after the last one shown. */
  async function load(more = false) {
    loading.value = true;
    error.value = '';
    try {
      const p = await fetchPage(more ? next.value : null);
      rows.value = more ? [...rows.value, ...p.rows] : p.rows;
      next.value = p.next;
    } catch (e) {
      error.value = (e as Error).message;
    } finally {
      loading.value = false;
    }
  }
  return { rows, next, loading, error, load, more: () => load(true) };
}
