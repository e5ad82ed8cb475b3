/**
 * Lets files be dropped on `element`: while files are dragged over it, it has the class `drop-target` (the CSS
 * shows a dashed outline), and a drop hands the files to `onFiles`. Drags of text or links are left alone, so
 * dropping a selection into the message box still works.
 */
export function acceptFileDrops(element: HTMLElement, onFiles: (files: File[]) => void): void {
  let depth = 0;
  const carriesFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes("Files") ?? false;
  const reset = (): void => {
    depth = 0;
    element.classList.remove("drop-target");
  };
  element.addEventListener("dragenter", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    // dragenter/dragleave fire for every child crossed; counting them tells when the pointer really left.
    depth++;
    element.classList.add("drop-target");
  });
  element.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    if (event.dataTransfer != null) event.dataTransfer.dropEffect = "copy";
  });
  element.addEventListener("dragleave", (event) => {
    if (!carriesFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) element.classList.remove("drop-target");
  });
  element.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    // A drop on the panel inside the chat area is handled once, by the innermost zone.
    event.stopPropagation();
    reset();
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) onFiles(files);
  });
}
