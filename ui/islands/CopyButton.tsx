/// <reference lib="dom" />
import { useEffect, useState } from "preact/hooks";

/** Props of CopyButton: the id of the element whose text is copied. */
export interface CopyButtonProps {
  target: string;
  label: string;
}

/** Copies the text of `#target` to the clipboard (rendered disabled without JavaScript). */
export default function CopyButton(props: CopyButtonProps) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const [ready, setReady] = useState(false);
  useEffect(() => setReady(true), []);
  const copy = async () => {
    const text = document.getElementById(props.target)?.textContent ?? "";
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      const range = document.createRange();
      const el = document.getElementById(props.target);
      if (el) {
        range.selectNodeContents(el);
        getSelection()?.removeAllRanges();
        getSelection()?.addRange(range);
      }
      setState("failed");
    }
  };
  return (
    <button type="button" class="copy" onClick={copy} disabled={!ready} data-copy={props.target}>
      {state === "copied" ? "Copied" : state === "failed" ? "Selected: press Ctrl+C" : props.label}
    </button>
  );
}
