import { LabIcon } from '@jupyterlab/ui-components';

// A box in isometric view; `jp-icon3` lets the theme recolor it.
const boxSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" fill-rule="evenodd"
    d="M12 2 3 6.5v11L12 22l9-4.5v-11L12 2zm0 2.24 6.76 3.36L12 10.97 5.24 7.6 12 4.24zM5 9.22l6 3v7.54l-6-3V9.22zm8 10.54v-7.54l6-3v7.54l-6 3z"/>
</svg>`;

export const modelboxIcon = new LabIcon({
  name: 'jupyter-modelbox:box',
  svgstr: boxSvg
});
