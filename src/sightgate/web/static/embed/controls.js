// A sheet's filter and parameter controls as form fields. A change calls
// onControl(control, values), which re-queries the sheet with the new values.
//
// A dropdown or list lists the control's static values (SelectableValues, or a category
// filter's own values); one whose values would come from the data is a text field, in
// which several values are separated by commas.

import { element } from "./visuals.js";

function current(control, state, declared) {
  if (control.kind === "parameter") {
    return state.given[control.target] ?? declared(control.target)?.defaults ?? [];
  }
  return state.selections[control.id] ?? [];
}

function choice(control, values, onChange) {
  const select = element("select", { id: `sg-control-${control.id}`, multiple: control.multi });
  if (!control.multi) select.append(element("option", { value: "", text: "(all)" }));
  for (const value of control.values) {
    const option = element("option", { value, text: value });
    option.selected = values.includes(value);
    select.append(option);
  }
  select.addEventListener("change", () =>
    onChange([...select.selectedOptions].map((o) => o.value).filter((v) => v !== "")));
  return select;
}

function text(control, values, onChange, type) {
  const input = element("input", {
    id: `sg-control-${control.id}`,
    type,
    value: values.join(", "),
    min: control.min,
    max: control.max,
    step: control.step,
  });
  input.addEventListener("change", () => {
    const raw = input.value.trim();
    onChange(raw === "" ? [] : control.multi ? raw.split(",").map((v) => v.trim()) : [raw]);
  });
  return input;
}

function field(control, values, onChange) {
  if ((control.widget === "dropdown" || control.widget === "list") && control.values) {
    return choice(control, values, onChange);
  }
  if (control.widget === "slider") return text(control, values, onChange, "number");
  if (control.widget === "date") return text(control, values.map((v) => String(v).slice(0, 10)), onChange, "date");
  return text(control, values, onChange, "text");
}

export function controlBar(controls, state, declared, onControl) {
  const bar = element("form", { class: "sg-controls", "aria-label": "Controls" });
  bar.addEventListener("submit", (event) => event.preventDefault());
  for (const control of controls) {
    const values = current(control, state, declared).map(String);
    const input = field(control, values, (chosen) => onControl(control, chosen));
    input.dataset.controlId = control.id;
    bar.append(element("label", { class: "sg-control", for: input.id },
      element("span", { text: control.title || control.target }), input));
  }
  return bar;
}
