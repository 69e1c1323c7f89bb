// Errors from the API shown where they belong: field errors next to their field (el-form-item :error),
// everything else in an alert above the buttons.
import { reactive, ref } from 'vue';
import { ApiError } from '../api/client.ts';
import { t } from '../i18n.ts';

export function useServerErrors() {
  const fields = reactive<Record<string, string>>({});
  const message = ref('');
  const clear = () => {
    for (const k of Object.keys(fields)) delete fields[k];
    message.value = '';
  };
  /** Show the error; returns the ApiError for callers that react to a code (e.g. 412). */
  const show = (e: unknown): ApiError | null => {
    clear();
    if (!(e instanceof ApiError)) {
      message.value = (e as Error).message;
      return null;
    }
    Object.assign(fields, e.fieldErrors());
    message.value = e.message;
    return e;
  };
  return { fields, message, clear, show };
}

/** Element Plus rules with Chinese messages. */
export const required = (field: string, select = false) => ({
  required: true,
  trigger: select ? 'change' : ['blur', 'change'],
  message: t(select ? 'form.requiredSelect' : 'form.required', { field }),
  // whitespace only counts as empty, as the API trims
  validator: (_r: unknown, v: unknown, cb: (e?: Error) => void) =>
    v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)
      ? cb(new Error(t(select ? 'form.requiredSelect' : 'form.required', { field })))
      : cb(),
});
export const maxLen = (field: string, n: number) => ({
  max: n,
  trigger: 'blur',
  message: t('form.tooLong', { field, n }),
});
