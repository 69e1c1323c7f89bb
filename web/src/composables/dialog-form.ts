// A form in a dialog: open it with values, validate on the client, send, show the API's refusal next
// to its field (composables/form.ts), close and say "已保存" when it went through. Used with
// components/FormDialog.vue, which draws the dialog, the error alert and the buttons.
import type { FormInstance } from 'element-plus';
import { nextTick, reactive, ref, type UnwrapRef } from 'vue';
import type { ApiError } from '../api/client.ts';
import { t } from '../i18n.ts';
import { useServerErrors } from './form.ts';

export interface SubmitOptions {
  /** The success message; false for none. Defaults to "已保存". */
  success?: string | false;
  /** Called with the refusal after it is shown (e.g. to reword a known code). */
  onError?: (e: ApiError | null) => void;
}

export function useDialogForm<F extends object>(blank: () => F) {
  const visible = ref(false);
  const busy = ref(false);
  const form = reactive(blank()) as UnwrapRef<F>;
  const errors = useServerErrors();
  let formEl: FormInstance | undefined;

  function open(values: Partial<F> = {}) {
    Object.assign(form as object, blank(), values);
    errors.clear();
    visible.value = true;
    void nextTick(() => formEl?.clearValidate());
  }
  /** Validates, sends, closes on success; resolves to whether it went through. */
  async function submit(send: (f: UnwrapRef<F>) => Promise<unknown>, opts: SubmitOptions = {}): Promise<boolean> {
    if (formEl && !(await formEl.validate().catch(() => false))) return false;
    busy.value = true;
    errors.clear();
    try {
      await send(form);
      visible.value = false;
      if (opts.success !== false) ElMessage.success(opts.success ?? t('app.saved'));
      return true;
    } catch (e) {
      // Shown first, whether or not the caller also wants it (an optional call skips its argument).
      const err = errors.show(e);
      opts.onError?.(err);
      return false;
    } finally {
      busy.value = false;
    }
  }
  return reactive({
    visible,
    busy,
    form,
    errors,
    open,
    submit,
    close: () => {
      visible.value = false;
    },
    /** For `:ref` on the el-form. */
    bind: (el: unknown) => {
      formEl = (el ?? undefined) as FormInstance | undefined;
    },
  });
}
export type DialogForm<F extends object = Record<string, unknown>> = ReturnType<typeof useDialogForm<F>>;
