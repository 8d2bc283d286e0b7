// Plotly (3.5 MB, served from the Python wheel) is loaded only by the screens that draw
// charts, the first time one of them opens: the inbox and the forms never wait for it.

const SRC = '/console/vendor/plotly.min.js';
let loading = null;

/** Resolves to window.Plotly, adding its <script> once (same origin, so the CSP allows it). */
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = SRC;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        loading = null; // a later screen may try again
        reject(new Error('Plotly could not be loaded'));
      };
      document.head.append(script);
    });
  }
  return loading;
}
