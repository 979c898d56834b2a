// The drawing canvas of Digit Lens. Strokes are drawn in the browser and the picture is sent the
// moment the pen is lifted: no waiting for more strokes, because the answer is what people wait
// for. Undo and Clear act here too, so they are instant and never lose a stroke in flight.
//
// Streamlit calls the default export on every run of the fragment that holds the canvas, with
// that run's `data` (JSON bytes of {width, height, brush, strokes, revision}): the pad is made
// once per element and only told what changed. A new `revision` replaces the strokes (the page asked for a
// drawing, e.g. the same strokes on the wider number canvas); otherwise the strokes here win.

export default function mount({ data, parentElement, setStateValue }) {
  const host = parentElement.querySelector(".pen-canvas");
  host.pad ??= new Pad(host);
  host.pad.report = (drawing) => setStateValue("drawing", drawing);
  host.pad.show(JSON.parse(new TextDecoder().decode(data)));
}

class Pad {
  constructor(host) {
    // On screen the strokes are drawn at the screen's own resolution (crisp on a phone); what is
    // sent is drawn again at the canvas's size, off screen, and read back there.
    this.canvas = host.querySelector("canvas");
    this.context = this.canvas.getContext("2d");
    this.picture = document.createElement("canvas");
    this.pictureContext = this.picture.getContext("2d", { willReadFrequently: true });
    this.undoButton = host.querySelector("[data-action=undo]");
    this.clearButton = host.querySelector("[data-action=clear]");
    this.strokes = [];
    this.revision = null;
    this.brush = 18;
    this.pen = null; // the pointer drawing now, if any: one at a time, a second finger is ignored
    this.sends = 0;
    this.canvas.addEventListener("pointerdown", (event) => this.penDown(event));
    this.canvas.addEventListener("pointermove", (event) => this.penMove(event));
    for (const ending of ["pointerup", "pointercancel", "lostpointercapture"]) {
      this.canvas.addEventListener(ending, (event) => this.penUp(event));
    }
    this.undoButton.addEventListener("click", () => this.replace(this.strokes.slice(0, -1)));
    this.clearButton.addEventListener("click", () => this.replace([]));
  }

  show({ width, height, brush, strokes, revision }) {
    this.brush = brush;
    this.canvas.style.maxWidth = `${width}px`; // never shown larger than it is drawn
    const pixelRatio = window.devicePixelRatio || 1;
    if (this.picture.width !== width || this.picture.height !== height || this.pixelRatio !== pixelRatio) {
      this.picture.width = width;
      this.picture.height = height;
      this.pixelRatio = pixelRatio;
      this.canvas.width = Math.round(width * pixelRatio); // resizing also empties it: redrawn below
      this.canvas.height = Math.round(height * pixelRatio);
      this.redraw();
    }
    if (revision !== this.revision) {
      this.revision = revision;
      this.replace(strokes, strokes.length > 0); // a fresh page's empty canvas needs no answer
    }
  }

  replace(strokes, send = true) {
    this.strokes = strokes;
    this.redraw();
    if (send) this.send();
  }

  point(event) {
    const box = this.canvas.getBoundingClientRect(); // the canvas may be shown smaller than it is
    const x = ((event.clientX - box.left) * this.picture.width) / box.width;
    const y = ((event.clientY - box.top) * this.picture.height) / box.height;
    return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
  }

  penDown(event) {
    if (this.pen !== null || event.button > 0) return;
    event.preventDefault();
    this.canvas.setPointerCapture(event.pointerId);
    this.pen = event.pointerId;
    this.strokes = [...this.strokes, { width: this.brush, points: [this.point(event)] }];
    this.redraw();
  }

  penMove(event) {
    if (event.pointerId !== this.pen) return;
    const stroke = this.strokes[this.strokes.length - 1];
    const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    stroke.points.push(...(moves.length ? moves : [event]).map((move) => this.point(move)));
    this.redraw();
  }

  penUp(event) {
    if (event.pointerId !== this.pen) return;
    this.pen = null;
    this.send();
  }

  redraw() {
    drawStrokes(this.context, this.strokes, this.pixelRatio);
    this.undoButton.disabled = this.clearButton.disabled = this.strokes.length === 0;
  }

  // The picture goes as its alpha channel (all the ink is there), deflated: ~2.5 kB for a digit,
  // and ~0.1 ms for the server to unpack, where the browser's PNG takes ~0.6 ms to decode. Only the
  // latest of overlapping sends is reported, so a slower earlier one never overwrites it.
  async send() {
    const ticket = ++this.sends;
    const { width, height } = this.picture;
    const strokes = this.strokes;
    let ink = null;
    if (strokes.length) {
      drawStrokes(this.pictureContext, strokes, 1);
      const pixels = this.pictureContext.getImageData(0, 0, width, height).data;
      const alpha = new Uint8Array(width * height);
      for (let i = 0; i < alpha.length; i++) alpha[i] = pixels[4 * i + 3];
      ink = await deflatedBase64(alpha);
    }
    if (ticket === this.sends) this.report({ ink, width, height, strokes, revision: this.revision });
  }
}

async function deflatedBase64(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  const deflated = new Uint8Array(await new Response(stream).arrayBuffer());
  let text = "";
  for (let i = 0; i < deflated.length; i += 0x8000) {
    text += String.fromCharCode(...deflated.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

// All the strokes, black on a transparent canvas, `scale` screen pixels per canvas pixel.
function drawStrokes(context, strokes, scale) {
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, context.canvas.width, context.canvas.height);
  context.setTransform(scale, 0, 0, scale, 0, 0);
  context.strokeStyle = context.fillStyle = "#000";
  context.lineCap = context.lineJoin = "round";
  for (const stroke of strokes) drawStroke(context, stroke);
}

// A stroke as a smooth curve: each point pulls the line towards itself, passing through the
// midpoints between points, so a fast pen's sparse points make no corners. A tap is a dot.
function drawStroke(context, { width, points }) {
  if (points.length === 1) {
    context.beginPath();
    context.arc(points[0][0], points[0][1], width / 2, 0, 2 * Math.PI);
    context.fill();
    return;
  }
  context.lineWidth = width;
  context.beginPath();
  context.moveTo(...points[0]);
  for (let i = 1; i < points.length - 1; i++) {
    const [x, y] = points[i];
    const [nextX, nextY] = points[i + 1];
    context.quadraticCurveTo(x, y, (x + nextX) / 2, (y + nextY) / 2);
  }
  context.lineTo(...points[points.length - 1]);
  context.stroke();
}
