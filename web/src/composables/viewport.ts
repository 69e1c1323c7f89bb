import { onBeforeUnmount, ref } from 'vue';

/** True on a phone-sized screen (< 768 px), kept current as the window changes. */
export function useIsPhone() {
  const mq = window.matchMedia('(max-width: 767px)');
  const isPhone = ref(mq.matches);
  const update = () => {
    isPhone.value = mq.matches;
  };
  mq.addEventListener('change', update);
  onBeforeUnmount(() => mq.removeEventListener('change', update));
  return isPhone;
}
