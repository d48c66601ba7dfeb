// Says why a view cannot be shown for this model, with the table of which model layouts have which views.
import { html } from 'lit';

/** Every layout Glassbox has been tested on (models/fixtures/hub), at fp32, fp16, q4, q4f16, q8, int8 and uint8. */
const LAYOUTS: [layout: string, views: string][] = [
  ['Optimum / Transformers.js export (model.onnx, Llama, Qwen, Gemma 2 and 3, GPT-2)', 'all'],
  ['the same with external weights (model.onnx_data, _data_1, ...)', 'all'],
  ['ONNX Runtime model builder (the -onnx-web repos: fused norms, packed QKV attention)', 'all'],
  ['legacy merged decoder (decoder_model_merged.onnx, use_cache_branch)', 'tokens and predictions only'],
];

export function unavailableNote(view: string, reason: string) {
  return html`<div class="unavailable" role="note">
    <p>
      <span class="codicon codicon-circle-slash" aria-hidden="true"></span>${view} is not available for this
      model: ${reason}
    </p>
    <details class="layout-support">
      <summary>Which models have which views</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Layout</th>
            <th scope="col">Views</th>
          </tr>
        </thead>
        <tbody>
          ${LAYOUTS.map(
            ([layout, views]) =>
              html`<tr>
                <td>${layout}</td>
                <td>${views}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <p class="muted">
        Every precision is read: quantized weights are dequantized as the model itself does.
      </p>
    </details>
  </div>`;
}
