import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import './style.css';

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    const components = import.meta.glob<{ default: object }>('./components/*.vue', { eager: true });
    for (const [file, mod] of Object.entries(components)) {
      const name = file.replace(/^.*\//, '').replace(/\.vue$/, '');
      app.component(name, mod.default);
    }
  },
} satisfies Theme;
