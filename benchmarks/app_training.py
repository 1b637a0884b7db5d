"""Live training as a user feels it: the Train page in Chromium, 1 to 8 sessions on one server, against headless.

What it measures (tutorial 002: 784-128-10 ReLU, Adam 1e-3, batch 64 on Fashion-MNIST from
``/usr/share/datasets/fashion-mnist``; each session opens ``/train?seed=k&epochs=50`` so that no run ends
inside the window):

* **headless**: ``python -m nnviz train`` with the same settings for one epoch, in a subprocess, the median of 3
  runs with torch's default threads just before each window it is compared with (this machine's speed changes
  within minutes), and once with one thread (the server's policy, ``app.SERVER_TORCH_THREADS``): samples/s;
* for N = 1, 4, 8 sessions (one Chromium context each, loopback only), all playing at once: the server's total
  samples/s, from each page's Step metric read at the start and the end of the window (target: one session
  >= 0.7x headless; N sessions >= 0.7x session 0 alone: the mean of a window just before the others play and
  one 3 s after they were paused);
* **the Train page in a niced browser**, one session (the public demo's visitor, whose browser is not on the
  server's cores): samples/s against headless (target >= 0.7x);
* **chart updates per second** of the first session: how often its loss curve (on the live canvas while it
  trains) changes, from a digest of the canvas's pixels every 25 ms (target >= 2);
* **the playground** (:data:`PLAYGROUND`: 2-8-8-2 tanh, SGD 0.01, batch 10 on 400 spiral points) against
  ``python -m nnviz train`` on the same toy (the median of 3 runs just before): samples/s and map updates/s, once
  in a browser at the server's priority (this machine's user) and once in a niced one (a visitor whose browser
  runs on their own computer, as on Community Cloud; target >= 0.7x headless there);
* **Pause, Batch, Reset** of the first session while the others train: from the click event to the first frame
  showing the result (Play appears; the Step metric moves; it reads 0), timed in the page, 3 tries each (target
  <= 0.5 s);
* **a concept page for one more visitor**: the rerun of /activations after a click on its "Show the derivative"
  toggle (click event to its chart redrawn, median of 10; target <= 2x, busy against idle), and how long the page
  takes to open in a fresh context, on the idle server and while the N sessions train;
* **server RSS** (``/proc/<pid>/status``): before the sessions, with them all training, and per added session
  (target <= 25 MB); the figure for 4 sessions is the Community Cloud budget (2.7 GB ceiling);
* **isolation**: every session still shows its own seed and its own step count.

The app is served as ``make run`` serves it (``streamlit run serve.py``: with the live feeds of :mod:`ui.feed`).

Run: ``.venv/bin/python benchmarks/app_training.py [--seconds 15] [--sessions 1 4 8]`` (about 15 minutes).

Measured on the shared 2-core build machine (Chromium's renderers run on the same 2 cores as the server, so
every browser session also costs the server CPU), 2026-12-03:

Before (training inside the page's fragment): 6-75 playground steps/s in Chromium against ~900 headless; Pause
1.1-2.9 s.
With the live engine (nnviz.live) but torch's default threads and Streamlit's ``runner.postScriptGC``: 18 steps/s
(0.03x): torch's idle OpenMP team spun on both cores while the page's script thread needed them, and a full
``gc.collect(2)`` after every fragment rerun held the GIL ~150 ms, 2.5 times a second. After (one torch thread,
no post-script GC, live figures built from plain dicts, the pictures redrawn once a second, a 0.5 ms GIL switch
interval, redraws slowed with the load), 2026-12-03 14:50, load average 0.9 before, ``--seconds 12``; headless
42,371 samples/s (default threads), 47,866 (one thread):

==  ==========  ==============  ============  ========================  =================  =========  ==============
N   samples/s   x headless /    chart         pause / batch / reset     concept page s     RSS MB     cores: server
                x one session   updates/s     worst of 3, s             idle / busy        (MB/sess)  / Chromium
==  ==========  ==============  ============  ========================  =================  =========  ==============
1   32,283      0.76 / 1.00     3.4           1.29 / 0.55 / 0.67        4.40 / 8.48        1,119 (15) 0.80 / 0.91
4   11,399      0.27 / 0.35     1.9           2.16 / 3.47 / 2.32        4.40 / 15.26       1,180 (15) 0.41 / 1.44
8   3,817       0.09 / 0.12     0.5           4.39 / 5.32 / 3.48        4.40 / 33.46       1,233 (5)  0.33 / 1.40
==  ==========  ==============  ============  ========================  =================  =========  ==============

Met: one session at >= 0.7x headless with >= 2 chart updates/s; memory (1.18 GB with 4 sessions, the Community
Cloud figure); every session keeps its own seed and numbers. Not met: N sessions share at 0.12-0.35x of one, not
0.7x, and the buttons and a concept page slow down with them.

2026-12-03 evening: the classroom's browsers were not niced at all (Playwright starts Chromium with setsid, and
with the kernel's autogroups a niceness counts only inside its own session: the wrapper now also writes
``/proc/self/autogroup``), so N renderers took the server's CPU. Niced for real, ``--seconds 10``:

==  ==========  ==============  ============  ========================  =================  =========
N   samples/s   x headless /    chart         pause / batch / reset     concept page s     RSS MB
                x one session   updates/s     worst of 3, s             idle / busy        (MB/sess)
==  ==========  ==============  ============  ========================  =================  =========
1   28,358      0.71 / 1.00     3.8           0.85 / 0.44 / 0.39        5.26 / 8.24        1,124 (21)
4   23,267      0.55 / 0.82     2.4           0.33 / 0.56 / 0.80        5.26 / 6.43        1,201 (16)
8   23,100      0.54 / 0.81     1.0           0.30 / 0.64 / 0.55        5.26 / 6.02        1,323 (16)
==  ==========  ==============  ============  ========================  =================  =========

2026-12-04, a slower machine (the headless toy run 1,300-1,600 steps/s, 2,170 the day before; Fashion-MNIST
headless 32,000-53,000 samples/s from one run to the next), ``--seconds 10``. The playground measured here for
the first time: 0.38-0.48x (own browser) and 0.37-0.54x (niced) with plotly's loss curve, map updates 7.2-7.9/s.
Then the scene went to the canvas component as JSON bytes (Streamlit scanned a dict for dataframes and encoded it
twice), and the learning curves of both pages were painted on the live canvas while training (plotly's
redraws of the curve were 29 % of the playground renderer's main thread, the rest mostly Streamlit's React
work per fragment rerun; our canvas painting 2.5 %). After, load average 2.4 before and 17.9 after (the
8 renderers), headless 52,723 samples/s (default threads) and 40,474 (one thread), the toy 16,093:

==========  ==========  ==============  ============  =====================  ==============  =========  ============
run         samples/s   x headless /    updates/s     pause / batch / reset  concept page s  RSS MB     cores server
                        x one session   (chart, map)  worst of 3, s          idle / busy     (MB/sess)  / Chromium
==========  ==========  ==============  ============  =====================  ==============  =========  ============
playground  4,510       0.28            9.2 maps                                                        0.79 / 1.05
  niced     4,505       0.28            7.9 maps                                                        0.99 / 0.82
N=1         17,927      0.34 / 1.00     2.5           0.86 / 0.71 / 0.72     6.33 / 9.18     1,146 (13) 0.78 / 0.86
N=4         15,136      0.29 / 0.84     1.8           0.48 / 1.07 / 1.00     6.33 / 8.35     1,216 (16) 0.71 / 1.00
N=8         12,344      0.23 / 0.69     0.7           0.48 / 0.89 / 0.81     6.33 / 7.71     1,289 (11) 0.66 / 0.82
==========  ==========  ==============  ============  =====================  ==============  =========  ============

Met: memory (1.22 GB with 4 sessions, within Community Cloud's 2.7 GB; <= 16 MB per added session), every session
keeps its own seed and numbers, a concept page under the classroom's load stays within 1.2-1.5x its idle time,
the classroom's total shares at 0.69-0.84x of one session. Not met on this machine: in-app samples/s against
headless, some button clicks (0.7-1.1 s) and the chart rate at N = 8 (redraws slow down with the load by design,
``ui.training.period``). Where the time goes (playground, niced browser, per-thread CPU from
``/proc/<pid>/task``): the server process is held to one core by the GIL: the training worker gets 0.69 of it
and does ~1,000 steps per CPU-second against ~1,600 headless (GIL hand-offs every 0.5 ms, the 5 ms gap after each
40 ms slice: the engine alone runs at ~0.75x the bare Trainer on this toy), the fragments' script threads take
~0.23 (Streamlit's rerun machinery about as much as our figures, ~9 ms a frame) and the event loop ~0.08. What
would reach the target: training in a process per slot (its own GIL; shared-memory datasets), with the live
figures built from the snapshots it publishes.

2026-12-04 night: the runs train in the trainer process (``nnviz.trainer_process``: a process of its own, one torch
thread, no gap after a slice; what the server costs now includes it: CPU, and memory as the processes' PSS, so
torch's libraries mapped by both count once). Two fixes to this benchmark came with it: a closed tab's run trained
on for its 20 s lease and took half the trainer from the next measurement (the niced playground after the own
browser's, each N after the one before), so pages are now paused before they close (under the 8-renderer load a
starved classroom page sometimes cannot be: the script says so). Load average 0.9 before, 10.2 after, headless
57,000 samples/s (default threads), the toy 18,585:

==========  ==========  ==============  ============  =====================  ==============  =========  ============
run         samples/s   x headless /    updates/s     pause / batch / reset  concept page s  PSS MB     cores server
                        x one session   (chart, map)  worst of 3, s          idle / busy     (MB/sess)  / Chromium
==========  ==========  ==============  ============  =====================  ==============  =========  ============
playground  10,968      0.59            9.6 maps                                                        0.92 / 0.91
  niced     15,554      0.84            9.7 maps                                                        1.13 / 0.68
N=1         42,030      0.79 / 1.00     2.7           0.64 / 0.51 / 0.55     3.91 / 8.17     1,726 (27) 0.96 / 0.61
N=4         33,605      0.63 / 0.80     1.8           0.61 / 0.92 / 0.84     3.91 / 7.66     1,825 (20) 1.02 / 0.92
N=8         22,618      0.43 / 0.54     0.8           0.44 / 0.80 / 0.73     3.91 / 6.20     2,113 (30) 1.00 / 0.93
==========  ==========  ==============  ============  =====================  ==============  =========  ============

Three other runs that hour: playground 0.53-0.59x (own browser) and 0.69-0.84x (niced), N=1 0.76x headless, N=4
0.72x and N=8 0.69x of one session. The trainer does ~1,600-1,670 steps per CPU-second on the toy (headless:
~1,600) and gets 0.73 of a core beside an own browser, 0.90 beside a niced one (per-process CPU). Met now: a lone
run at >= 0.7x headless on both pages when the browser is not on the server's cores (0.76-0.84x; with it there,
0.53-0.79x), >= 2 chart updates/s, memory (1.83 GB with 4 sessions, within 2.7 GB). Still not met: every button
within 0.5 s (0.44-0.92 s worst of 3; the niced classroom's renderers share the cores), the classroom's share at
N = 8 (0.54-0.69x of one), 20-30 MB per added session against 25 (a run's history is held in both processes), and
the concept page at N = 1 (2.1x idle: the trainer now takes a whole core beside the visitor's browser).

2026-12-05: two changes. The Train page's histograms (recorded for the Inspect page) were taken every 0.5 s of
*wall* time per run, so N runs recorded N times as often in all: the trainer process alone (no browser, tutorial
002) trained 8 runs at 0.82x the rate of one; they now record every 0.5 s of their worker's CPU time, and 8 runs
train at 0.97x of one (45,868 against 47,336 samples/s). And this benchmark now times a click in the page (from
the click event to the first frame showing the answer, :data:`ANSWER_TIMER`), and a concept page's *rerun* for one
more visitor (a toggle on /activations redrawing its chart, the issue's measure) beside its opening. Load average
0.75 before, 9.9 after, headless 58,459 samples/s (default threads), 52,358 (one thread), the toy 19,392:

==========  ==========  ==============  ============  =====================  ==============  =========  ============
run         samples/s   x headless /    updates/s     pause / batch / reset  concept rerun   PSS MB     cores server
                        x one session   (chart, map)  worst of 3, s          idle / busy, s  (MB/sess)  / Chromium
==========  ==========  ==============  ============  =====================  ==============  =========  ============
playground  12,691      0.65            9.6 maps                                                        0.93 / 0.87
  niced     16,837      0.87            9.5 maps                                                        1.14 / 0.72
N=1         40,035      0.68 / 1.00     2.6           0.24 / 0.26 / 0.25     0.16 / 0.22     1,682 (26) 0.98 / 0.70
N=4         29,381      0.50 / 0.73     1.7           0.38 / 0.26 / 0.20     0.16 / 0.32     1,771 (14) 1.00 / 0.94
N=8         31,122      0.53 / 0.78     0.7           0.21 / 0.29 / 0.33     0.16 / 0.23     1,925 (16) 1.01 / 0.91
==========  ==========  ==============  ============  =====================  ==============  =========  ============

(Opening /activations: 4.58 s idle, 8.94 / 7.74 / 6.11 s busy.) Met: every button within 0.5 s, the classroom's
share (0.73-0.78x of one), a concept page's rerun within 2x (1.4-2.0x), 14-16 MB per added session in a
classroom, memory (1.77 GB with 4 sessions). Not met: one session against the default-threads headless run,
0.68x (0.76x of the one-thread run, the app's policy), with its own browser on the same two cores (per process:
the trainer 0.90-0.94 of a core, the server 0.08, Chromium 0.65, of which 0.25 for the pictures redrawn by plotly
once a second: the confusion matrix and the image grid are not on the live canvas yet); the chart rate under a
classroom, by design (``ui.training.period``). A second run that hour (headless 56,747, toy 18,155): playground
0.62x / 0.81x niced; N=1 0.75x headless, buttons 0.13-0.18 s; N=4 0.67x and N=8 0.60x of one (five classroom
pages could not be paused before closing, so their runs trained on into the next window), buttons up to 0.52 s;
concept reruns 0.14 idle, 0.27-0.28 s busy (2.0x); 14-24 MB per added session. The server's whole process family
gets about one core beside the renderers (1.00-1.01 cores at N = 4 and 8), which the trainer shares with the
classroom's reruns: the share of one session stays near 0.6-0.8x on this machine.

2026-12-07: the Train page's pictures (the test images, the confusion matrix, the gradient norms) went on the live
canvas while training (the canvas learned log and category axes, reversed axes, a heatmap's cell text and gaps,
annotations at data points): Chromium on the Train page used 0.70 of a core before, 0.44-0.63 after; one session's
samples/s did not move with it (its trainer is one torch thread, already at 0.95-0.99 of a core). Two faults of
this measurement found. (1) Streamlit's message cache froze starved classroom pages ("Connection error: Cached
ForwardMsg MISS", streamlit#11357; now off in ``.streamlit/config.toml``): these were the pages that "could not be
paused", and a frozen page's Step metric reads as a run that stopped, so the classroom's total read low (N = 8:
0.41x of one with 3 frozen pages; 0.73x in the next run, none frozen). (2) This machine's speed changed 1.3-1.8x
within the hour (headless, one thread: 31,722 to 49,377 samples/s; the toy 14,388 to 19,495), so ratios against a
reference taken minutes earlier read 0.52x at N = 4 and 0.86x at N = 8 in one run: every ratio is now against a
reference of the same minute (the headless runs just before each window, median of 3; session 0 alone 3 s after
the classroom was paused). Where a browser's time goes (CDP ``Performance.getMetrics`` on a test app): every
fragment rerun re-renders all the page's elements in React, about 13 ms on an empty page and 34 ms beside 60
sliders whatever the fragment holds (one metric or four: 34 / 41 ms), so merging the playground's three live areas
into one (10 reruns a second instead of 15) measured the same (scripts 0.51-0.53 s/s against 0.57) and they stay
apart. The last of five runs that day, ``--seconds 10``, load average 1.1 before (12.8 after):

==========  ==========  =================  ============  =====================  ==============  =========  ============
run         samples/s   x the reference    updates/s     pause / batch / reset  concept rerun   PSS MB     cores server
                        of the same minute (chart, map)  worst of 3, s          idle / busy, s  (MB/sess)  / Chromium
==========  ==========  =================  ============  =====================  ==============  =========  ============
playground  6,897       0.48 headless      8.6 maps                                                        0.93 / 0.98
  niced     12,465      0.74 headless      8.8 maps                                                        1.17 / 0.74
Train niced 33,692      0.85 headless      2.6                                                             1.09 / 0.49
N=1         28,309      0.59 headless      2.6           0.36 / 0.20 / 0.26     0.21 / 0.33     1,700 (18) 0.95 / 0.63
N=4         23,150      0.63 of one alone  1.7           0.34 / 0.33 / 0.24     0.21 / 0.30     1,762 (13) 1.10 / 0.81
N=8         29,516      0.95 of one alone  0.7           0.29 / 0.28 / 0.24     0.21 / 0.22     1,899 (14) 1.08 / 0.81
==========  ==========  =================  ============  =====================  ==============  =========  ============

Ranges over the five runs: the playground 0.68-0.91x headless with a niced browser and 0.39-0.73x with its own; the
Train page 0.75-1.09x niced and 0.59-0.89x with its own browser; the classroom 0.63-0.95x of one session alone at
N=4 and N=8 (the runs with references of the same minute), every button within 0.5 s in the last three runs (worst
0.48 s; 0.72 and 0.98 s in the first two), a concept page's rerun within 1.0-1.9x idle (2.8x once, at N=1), 11-16 MB
per added session in a classroom (18-23 MB for the first), 1.76-1.80 GB with 4 sessions. Met in the last run: every
target but the classroom at N=4 (0.63x). Not met on this machine in general: the targets hold in most runs and miss
in some by as much as the machine's own speed changes within a run, and with its own browser on the same two cores a
session trains at 0.4-0.9x headless.

2026-12-07, later: the live feeds (``ui/feed.py``, served by ``serve.py``). A fragment rerun re-renders the whole page
in the browser whatever it holds (a probe app: 9 ms of script per rerun beside one metric, 22 ms beside 60 sliders,
11 ms when those sliders sit in a closed popover, which Streamlit does not render), so the playground's maps, rerun
10 times a second, cost its renderer 0.64 s of script per second (Emotion's styled components and React: 0.19 s/s
each; our canvas painting 0.02). Now the canvases fetch their scenes from the server (a figure drawn once per new
state of the run, 204 when nothing moved) and only the metrics rerun: 0.13 s of script per second, Chromium 0.50-0.67
of a core on the playground (0.90-0.92 before), 0.36-0.47 on the Train page (0.44-0.63). The server does the same
drawing as before (0.23 of a core for the playground in both ways, per process). Two runs, ``--seconds 10``, load
average 0.6 and 1.2 before (14.7 and 12.0 after), headless 49,813-53,960 samples/s (default threads), 43,746-44,501
(one thread), the toy 17,300-18,603:

Each cell gives run 1 / run 2 (each added classroom session: 12-13 MB):

=========== =============== ==================== ============ ============ ======================= =============
run         samples/s       x the reference      updates/s    worst button concept rerun           PSS MB
                            of the same minute   (chart, map) of 9, s      idle, busy, s
=========== =============== ==================== ============ ============ ======================= =============
playground  12,183 / 10,854 0.65 / 0.63 headless 9.2 / 9.1
  niced     14,510 / 13,659 0.81 / 0.76 headless 9.2 / 8.9
Train niced 41,344 / 38,012 0.77 / 0.73 headless 2.6 / 2.6
N=1         38,101 / 37,758 0.76 / 0.73 headless 2.6 / 2.6    0.18 / 0.22  0.15, 0.28 / 0.22, 0.24 1,703 / 1,701
N=4         29,816 / 27,709 1.14 / 0.66 of one   1.3 / 1.3    0.42 / 0.30  0.15, 0.35 / 0.22, 0.26 1,756 / 1,765
N=8         29,749 / 31,864 0.83 / 0.89 of one   0.7 / 0.7    0.54 / 0.30  0.15, 0.30 / 0.22, 0.31 1,862 / 1,892
=========== =============== ==================== ============ ============ ======================= =============

A third run (load average 1.9 before, headless 54,805, the toy 18,525-18,956): playground 0.71x (own browser) and
0.87x (niced), Train page 0.77x niced and 0.70x with its own browser, N=4 0.84x and N=8 0.91x of one session alone,
concept reruns 0.17 s idle, 0.19-0.25 s busy (1.1-1.5x), buttons within 0.28 s but one Pause at N=4 (0.68 s) and
one at N=8 (0.45 s), 11.5-11.7 MB per added session, 1.78 GB with 4 sessions: every target met but that Pause.

Met in the first two runs: the playground and the Train page at >= 0.7x headless beside a niced browser
(0.73-0.81x), and the Train page now also with its own browser on the server's cores (0.73-0.76x; the playground
there 0.63-0.65x, from 0.39-0.73x), >= 2 chart updates/s, memory (1.76 GB with 4 sessions), every session its own
seed and numbers. Missed once each: Reset 0.54 s at N=8 (run 1), a concept rerun at 2.3x idle at N=4 (run 1, against
an idle 0.15 s), the classroom's share at N=4 (run 2: 0.66x; run 1's 1.14x is session 0 alone measured low).
Measured again without the concept page and the button clicks (all classroom pages in the niced browser but session
0's, 10 s windows in alternation, the trainer at 0.90-0.96 of a core throughout): N=4 0.78-0.89x and N=8 0.86-0.93x
of one session. A trainer at niceness 5 (tried) made a concept rerun under N=4 1.0-1.2x idle but session 0 alone 20
% slower beside its own browser: not taken.

2026-12-07, evening. A Pause ran the Train page four times (each live area found the run stopped in the click's own
rerun and reran the page again; now once), and two changes to this measurement: session 0 alone is the mean of a
window just before the others play and one after they are paused (two alone-after windows of one run had read
28,062 and 42,370 samples/s, so the share swung with whichever minute it was taken in), and a concept rerun is the
median of 10 toggles (one toggle ranges 0.11-0.35 s on the idle server; medians of 6 read 2.1x in a run where a
probe of 10 read 1.2-1.3x). Two full runs after, ``--seconds 15``, load average 5.7 and 0.5 before (14.5 and 14.3
after), headless one-thread 46,672-47,000 samples/s:

Each cell gives run 1 / run 2 (a concept page's rerun on the idle server: 0.24 / 0.17 s):

=========== =============== ==================== ============ ============= ============= ===============
run         samples/s       x the reference      updates/s    worst button  concept rerun PSS MB
                            of the same minutes  (chart, map) of 9, s       busy, s       (MB/sess)
=========== =============== ==================== ============ ============= ============= ===============
playground  12,113 / 13,880 0.66 / 0.75 headless 9.3 / 9.2
  niced     13,769 / 16,728 0.78 / 0.87 headless 8.8 / 9.3
Train niced 38,663 / 43,735 0.94 / 0.97 headless 2.5 / 2.6
N=1         32,906 / 31,321 0.67 / 0.65 headless 2.6 / 2.6    0.24 / 0.21   0.34 / 0.26   1,726 / 1,731
N=4         33,095 / 36,227 0.98 / 0.93 of one   1.3 / 1.3    0.39 / 0.23   0.28 / 0.25   1,808 (15) /
                                                                                          1,804 (15)
N=8         29,746 / 28,824 0.77 / 0.83 of one   0.7 / 0.7    0.49 / 0.47   0.23 / 0.25   1,928 (12) /
                                                                                          1,940 (15)
=========== =============== ==================== ============ ============= ============= ===============

Both runs met every target (a run just before these two changes, with the Pause fix: N=4 0.94x and N=8 0.71x
of one session alone after, a concept rerun at 2.1x idle at N=1). With its own browser on the server's two cores
the Train page trains at 0.65-0.67x the default-threads headless run (0.67-0.70x the one-thread run, the app's
policy), the playground at 0.66-0.75x:
printed beside the targets, not among them (the public demo's visitors' browsers are not on the server's cores).

Then the Train page's progress and metrics redrawn once a second instead of 2.5 times (``PROGRESS_S``; their area
reruns to redraw, and each rerun re-renders the whole page in the browser; the curves stay at 2.5/s on the feed). A
probe first (one session in its own browser, 15 s windows, against the one-thread headless run just before, two
rounds each): Chromium 0.50 of a core at 2.5/s against 0.32-0.36 at 1/s, the run 0.69-0.83x against 0.74-0.88x.
One full run after, ``--seconds 15``, load average 1.8 before (11.5 after), headless one-thread 48,830:
playground 0.66x headless (own browser) and 1.11x niced (against a headless reference that read low, 14,792);
Train page niced 0.83x; N=1 **0.80x headless with its own browser** (Chromium 0.32 of a core, 0.45-0.50 before),
buttons within 0.29 s; N=4 0.86x and N=8 0.79x of one session alone; concept reruns 0.19 s idle, 0.23-0.33 s busy
(1.2-1.7x); 14-16 MB per added session, 1.85 GB with 4 sessions. Every target met but one Reset at N=8: 0.61 s (the
other 26 clicks of the run within 0.38 s). Open: that tail of the buttons under the 8-session load (0.47-0.61 s
worst of 9 in the last three runs), and the playground with its own browser on the server's cores (0.66-0.75x).

2026-12-07, night. That tail, timed per phase (the click's callback, the page's script, the garbage collector's
pauses, and in the page the websocket's messages and the browser's long tasks): the worst click of a full run, a
Pause at 0.48 s under 8 sessions, waited out a 283 ms full collection in the server, and full collections there took
40-640 ms throughout (130 ms on an idle core): each scanned the 330,000 objects of the imports, 470,000 once
torch.optim's first optimizer had imported torch._dynamo, with the GIL held. The server and the trainer process now
import what they will use and freeze it out of the collector's scans (``nnviz.heap``); in an 8-session probe no full
collection took more than 25 ms after that. Full runs, ``--seconds 15``, the first before the change:

=========== ============== ============== ============== ============== ==============
run         5 (before)     6              7 (logged)     8              9
load        4.8 / 13.4     7.1 / 11.9     3.8 / 11.3     0.2 / 10.6     2.2 / 11.5
playground  0.77x / 0.89x  0.77x / 0.88x  0.82x / 0.90x  0.69x / 0.87x  0.80x / 0.88x
Train niced 0.85x          0.77x          0.81x          0.89x          0.82x
N=1         0.76x, 0.16 s  0.73x, 0.22 s  0.94x, 0.22 s  0.73x, 0.30 s  0.78x, 0.23 s
N=4         0.81x, 0.28 s  0.89x, 0.54 s  0.87x, 0.32 s  0.87x, 0.28 s  0.90x, 0.41 s
N=8         0.86x, 0.48 s  0.94x, 0.28 s  0.87x, 0.41 s  0.92x, 0.27 s  0.95x, 0.25 s
=========== ============== ============== ============== ============== ==============

(load: the load average before / after; playground: own / niced browser against headless; N=1 against headless, N=4
and 8 against session 0 alone, then the worst of Pause, Batch and Reset, 9 clicks per row.) Every target met in runs
5, 7, 8 and 9; in run 6 one Batch of its 27 clicks took 0.54 s. Concept reruns 0.14-0.18 s idle and 0.17-0.27 s
busy, 12-17 MB per added session, 1.79-1.83 GB with 4 sessions, 2.5-2.6 chart updates/s throughout. What the
remaining tail is made of (run 7's clicks over 0.3 s): the click's message leaves the page 5-40 ms after the click;
the server starts the rerun 5-85 ms later; the callback waits 30-140 ms for the trainer to apply the command (Batch:
a slot, the step, the live evaluation, the snapshot); the script reaches the metrics in 10-40 ms (180 ms once,
descheduled: the machine's load was 11); then the browser renders the two learning curves' new figures with plotly in
one long task of 150-270 ms before it paints the frame with the new step (the test images' 241 kB figure comes after
it). The last two are the browser's, on the server's own two cores here; a student's laptop renders them for itself.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

from tests.servers import children, running_app  # noqa: E402
from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402

BATCH = 64
HEADLESS = ["--dataset", "fashion-mnist", "--arch", "784-128-10", "--epochs", "1", "--batch-size", str(BATCH)]
HEADLESS += ["--lr", "0.001", "--optimizer", "adam", "--json"]
PLAYGROUND = "/playground?problem=spiral&hidden=8,8&points=400&noise=0&lr=0.01"
"""2-8-8-2 tanh, SGD 0.01, batch 10 on 400 spiral points (200 to train): pictures that keep changing for minutes."""
PLAYGROUND_BATCH = 10
PLAYGROUND_HEADLESS = ["--dataset", "spiral", "--arch", "2-8-8-2", "--activation", "tanh", "--optimizer", "sgd"]
PLAYGROUND_HEADLESS += ["--batch-size", str(PLAYGROUND_BATCH), "--lr", "0.01", "--epochs", "100", "--json"]
COUNT_CANVAS_UPDATES = """
() => {
  window.__updates = 0;
  let last = null;
  window.__poll = setInterval(() => {
    const canvas = document.querySelector('.nnviz-canvas canvas');
    if (!canvas || !canvas.width) return;
    const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let key = 0;
    for (let k = 0; k < pixels.length; k += 61) key = (key * 31 + pixels[k]) | 0;
    if (key !== last) { window.__updates += 1; last = key; }
  }, 25);
}
"""
"""Counts the changes of the page's first live canvas (the playground's network, the Train page's loss curve): a
digest of its pixels, sampled every 25 ms (up to 40 a second); a redraw that changes nothing is not counted."""
READ_CANVAS_UPDATES = "() => { clearInterval(window.__poll); return window.__updates; }"
"""Stops the count and reads it."""


def niced_chromium(niceness: int) -> str:
    """A Chromium that runs at ``niceness``: the classroom's browsers run on the students' own laptops, not on the
    server's two cores, so by default they only get the CPU the server leaves (``--nice 0`` to share)."""
    if niceness == 0:
        return CHROMIUM
    wrapper = Path(tempfile.mkdtemp()) / "chromium"
    # Playwright starts the browser in a session of its own (setsid), and with the kernel's autogroups
    # (sched_autogroup_enabled) a niceness counts only inside its session: the session's autogroup needs it too.
    autogroup = f"echo {niceness} > /proc/self/autogroup 2>/dev/null"
    wrapper.write_text(f'#!/bin/sh\n{autogroup}\nexec nice -n {niceness} {CHROMIUM} "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def headless_rate(threads: int | None, settings: list[str] = HEADLESS, batch: int = BATCH) -> float:
    """Samples/s of ``python -m nnviz train`` (by default one epoch of tutorial 002's settings, torch's default
    threads with ``threads=None``)."""
    command = [sys.executable, "-m", "nnviz", "train", *settings] + (["--threads", str(threads)] if threads else [])
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return result["steps"] * batch / result["train_seconds"]


def server_pids(process) -> list[int]:
    """The server's process and its children (the trainer process): what the server costs in all."""
    pids, k = [process.pid], 0
    while k < len(pids):
        pids += children(pids[k])
        k += 1
    return pids


def rss_mb(pids: list[int]) -> float:
    """Memory of the processes together (MB): their proportional set sizes, so that what they share (torch's
    libraries, mapped by the server and the trainer process alike) counts once, as a memory limit counts it; for
    one process the same as its RSS but for the pages it shares with others."""
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) / 1024
    return total


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds the processes have used so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def cores_meter(process) -> Callable[[], tuple[float, float]]:
    """From now on: ``meter()`` gives the CPU cores the server and the Chromium processes running now have used
    on average since (user + system time over wall time)."""
    browsers = chromium_pids()
    servers = server_pids(process)
    start, server0, browsers0 = time.perf_counter(), cpu_seconds(servers), cpu_seconds(browsers)

    def meter() -> tuple[float, float]:
        elapsed = time.perf_counter() - start
        return (cpu_seconds(servers) - server0) / elapsed, (cpu_seconds(browsers) - browsers0) / elapsed

    return meter


def chromium_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "chromium" in (entry / "cmdline").read_text():
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def server():
    """The app on a free loopback port (``serve.py``), with the data it finds by itself (no ``$NNVIZ_DATA``)."""
    return running_app({key: value for key, value in os.environ.items() if key != "NNVIZ_DATA"})


def step_of(page) -> int:
    """The page's Step metric (:data:`STEP`, read as the click timer reads it)."""
    return page.evaluate(f"() => {STEP}")


def open_playground(browser, url: str):
    """A page on :data:`PLAYGROUND`, playing, its live canvas drawn and its first frames past."""
    page = browser.new_context(viewport=VIEWPORT).new_page()
    page.goto(url + PLAYGROUND, wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg .hm image', timeout=120_000)
    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    page.wait_for_selector(".nnviz-canvas canvas", timeout=30_000)
    time.sleep(1.0)
    return page


def training_window(pages: list, process, seconds: float, batch: int) -> dict:
    """Playing ``pages`` over ``seconds``: their samples/s together, how often the first one's first live canvas
    changed (updates/s), the CPU cores the server and Chromium used, and each page's step at the end."""
    pages[0].evaluate(COUNT_CANVAS_UPDATES)
    meter, start, steps0 = cores_meter(process), time.perf_counter(), [step_of(page) for page in pages]
    time.sleep(seconds)
    steps1, elapsed = [step_of(page) for page in pages], time.perf_counter() - start
    server_cores, browser_cores = meter()
    return dict(
        rate=sum(b - a for a, b in zip(steps0, steps1, strict=True)) * batch / elapsed,
        updates=pages[0].evaluate(READ_CANVAS_UPDATES) / elapsed,
        server_cores=server_cores,
        browser_cores=browser_cores,
        steps=steps1,
    )


def reference(settings: list[str] = HEADLESS, batch: int = BATCH) -> float:
    """The headless samples/s to compare an in-app window with, measured just before it (the median of 3 runs with
    torch's default threads): this shared machine's speed changed 1.3-1.8x within an hour on 2026-12-07."""
    return statistics.median(headless_rate(None, settings, batch) for _ in range(3))


def playground_row(browser, process, url: str, seconds: float) -> dict:
    """The playground in ``browser``: samples/s, map updates/s, the CPU cores the server and Chromium used, and
    the headless samples/s just before (``headless``)."""
    headless = reference(PLAYGROUND_HEADLESS, PLAYGROUND_BATCH)
    page = open_playground(browser, url)
    row = training_window([page], process, seconds, PLAYGROUND_BATCH)
    close_paused(page)
    return row | {"headless": headless}


def play(pages: list) -> None:
    """Press Play on every page, then wait until each plays and is past its first slices and evaluations."""
    for page in pages:
        page.get_by_role("button", name="Play", exact=True).click()
    for page in pages:
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=30_000)
    time.sleep(2.0)


def train_row(browser, process, url: str, seconds: float) -> dict:
    """One Train page session in ``browser``: samples/s, chart updates/s, the CPU cores used and the headless
    samples/s just before."""
    headless = reference()
    page = open_train(browser, url, 0)
    play([page])
    row = training_window([page], process, seconds, BATCH)
    close_paused(page)
    return row | {"headless": headless}


def pause(page) -> bool:
    """Press the page's Pause and wait until it shows Play; False (and a screenshot, named) if it could not."""
    button = page.get_by_role("button", name="Pause", exact=True)
    if button.count():
        try:
            button.click(timeout=10_000)
            page.get_by_role("button", name="Play", exact=True).wait_for(timeout=30_000)
        except PlaywrightTimeout:
            shot = Path(tempfile.mkdtemp()) / "pause.png"
            page.screenshot(path=shot)
            print(f"note: a page could not be paused: {shot}")
            return False
    return True


def close_paused(page) -> None:
    """Pause the page's run, then close the page: a closed tab's run trains on until its lease ends (``WATCH_S``,
    20 s), which took half the trainer from the measurement that came next."""
    pause(page)
    page.context.close()


def open_train(browser, url: str, seed: int):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.goto(f"{url}/train?seed={seed}&epochs=50", wait_until="domcontentloaded")
    page.get_by_role("button", name="Play", exact=True).wait_for(timeout=120_000)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=120_000)
    return page


RERUNS = 10
"""Toggles timed per concept-page measurement: one rerun ranges 0.11-0.35 s on the idle server (2026-12-07), so the
medians of 6 compared until then read 1.2x or 2.1x on the same load."""


def concept_page_s(browser, url: str) -> tuple[float, float]:
    """A concept page for one more visitor: (seconds from opening /activations in a new context to its first drawn
    chart, seconds from a click on its "Show the derivative" toggle to the chart redrawn with it or without it),
    medians of 3 and of :data:`RERUNS`."""
    opened = []
    for _ in range(3):
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        start = time.perf_counter()
        page.goto(f"{url}/activations", wait_until="domcontentloaded")
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=120_000)
        opened.append(time.perf_counter() - start)
        if len(opened) < 3:
            context.close()
    toggle = page.get_by_text("Show the derivative", exact=False)
    reruns = []
    for _ in range(RERUNS):
        reruns.append(answer_s(page, lambda: toggle.click(), TRACES, "now !== start"))
        time.sleep(0.3)
    context.close()
    return statistics.median(opened), statistics.median(reruns)


ANSWER_TIMER = """
([read, answered]) => {
  const state = new Function(`return (${read});`);
  const done = new Function('now', 'start', `return (${answered});`);
  window.__answer_s = null;
  document.addEventListener('click', () => {
    const clicked = performance.now(), start = state();
    const poll = () => {
      if (done(state(), start)) window.__answer_s = (performance.now() - clicked) / 1000;
      else requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
  }, {capture: true, once: true});
}
"""
"""Times one click in the page itself, as its user feels it: from the click event to the first frame in which
``answered(now, start)`` holds, ``now`` and ``start`` being the value of the expression ``read`` then and at the
click. (Timing Playwright's ``click()`` and polling the page from here, as this benchmark did until 2026-12-05,
added Playwright's actionability checks and a round trip per poll: 0.40-0.82 s for clicks the page answered in
0.10-0.29 s.)"""
STEP = """parseInt((document.querySelector('[data-testid="stMetricValue"]')?.innerText ?? '').replace(/[^0-9]/g, '')
  || '-1')"""
"""The Train page's Step metric (its first metric)."""
PLAY_SHOWN = """[...document.querySelectorAll('button')].some(b => b.innerText.trim().split('\\n').pop() === 'Play')"""
TRACES = """document.querySelector('[data-testid="stPlotlyChart"]')?.querySelectorAll('.scatterlayer .trace').length
  ?? 0"""
"""The number of curves in the page's first plotly chart."""


def answer_s(page, click: Callable[[], None], read: str, answered: str) -> float:
    """Seconds from ``click()``'s click event to the page showing its answer (see :data:`ANSWER_TIMER`; 10 when it
    does not answer in 10 s)."""
    page.evaluate(ANSWER_TIMER, [read, answered])
    click()
    try:
        page.wait_for_function("() => window.__answer_s !== null", timeout=10_000)
    except PlaywrightTimeout:
        return 10.0
    return page.evaluate("() => window.__answer_s")


def latencies(page) -> dict[str, float]:
    """Worst of 3 tries of Pause, Batch and Reset on a playing session (it plays again afterwards)."""
    worst = {"pause": 0.0, "batch": 0.0, "reset": 0.0}

    def press(name: str) -> Callable[[], None]:
        return lambda: page.get_by_role("button", name=name, exact=True).click()

    for _ in range(3):
        worst["pause"] = max(worst["pause"], answer_s(page, press("Pause"), PLAY_SHOWN, "now"))
        time.sleep(0.5)  # a person's next click: the page has settled
        worst["batch"] = max(worst["batch"], answer_s(page, press("Batch"), STEP, "now > start"))
        time.sleep(0.5)
        worst["reset"] = max(worst["reset"], answer_s(page, press("Reset"), STEP, "now === 0"))
        time.sleep(0.5)
        press("Play")()
        page.get_by_role("button", name="Pause", exact=True).wait_for(timeout=10_000)
    return worst


def measure(mine, classroom, process, url: str, n: int, seconds: float, idle_page: tuple[float, float]) -> dict:
    """Session 0 (the one whose charts, buttons and next concept page are timed) in ``mine``, sessions 1..n-1 in
    ``classroom``. The rate of session 0 alone (``alone``, for the classroom's share of one session in the same
    minutes) is the mean of a window just before the others play and one after they are paused; for one
    session, the headless rate just before."""
    base_rss = rss_mb(server_pids(process))
    headless = reference() if n == 1 else None
    pages = [open_train(mine if seed == 0 else classroom, url, seed) for seed in range(n)]
    play(pages[:1])
    before = training_window(pages[:1], process, seconds, BATCH)["rate"] if n > 1 else None
    play(pages[1:])
    window = training_window(pages, process, seconds, BATCH)
    rss = rss_mb(server_pids(process))
    busy_page = concept_page_s(mine, url)
    waits = latencies(pages[0])
    seeds = [page.get_by_label("Seed", exact=True).input_value() for page in pages]
    alone, paused = window["rate"], True
    if n > 1:
        paused = all([pause(page) for page in pages[1:]])
        time.sleep(3.0)  # the paused pages' last reruns (server and starved browsers) are over
        after = training_window(pages[:1], process, seconds, BATCH)["rate"]
        alone = (before + after) / 2  # windows on both sides of the classroom's: a drift of the machine cancels
    for page in pages:
        close_paused(page)
    return dict(
        n=n,
        headless=headless,
        alone=alone if paused else None,
        **{key: window[key] for key in ("rate", "updates", "server_cores", "browser_cores")},
        **waits,
        page_idle=idle_page,
        page_busy=busy_page,
        rss=rss,
        mb_per_session=(rss - base_rss) / n,
        own_seeds=seeds == [str(seed) for seed in range(n)],
        distinct_steps=len(set(window["steps"])) == n or n == 1,
    )


def share(row: dict, first: dict) -> float:
    """The classroom's samples/s against session 0's alone in the same minute (against the N=1 row if a page
    could not be paused for that)."""
    return row["rate"] / (row["alone"] or first["rate"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="training window per N (default 15)")
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument(
        "--nice", type=int, default=19, help="niceness of the classroom's browsers (default 19; 0 = as the server)"
    )
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    if args.sessions[0] != 1:
        parser.error("the sessions start with 1: the classroom's rows are compared with one session")
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")
    one_thread = statistics.median(headless_rate(1) for _ in range(3))
    print(f"headless samples/s with one torch thread (the app's policy, for comparison): {one_thread:,.0f}")
    rows = []
    with server() as (process, url), sync_playwright() as playwright:
        mine = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        classroom = playwright.chromium.launch(executable_path=niced_chromium(args.nice), args=CHROMIUM_ARGS)
        toys = {}
        for who, browser in (("own browser", mine), ("niced browser", classroom)):
            toys[who] = playground_row(browser, process, url, args.seconds)
            row = toys[who]
            print(
                f"playground 2-8-8-2 spiral, {who}: {row['rate']:,.0f} samples/s against {row['headless']:,.0f} "
                f"headless ({row['rate'] / row['headless']:.2f}x), {row['updates']:.1f} map updates/s; "
                f"CPU cores: server {row['server_cores']:.2f}, Chromium {row['browser_cores']:.2f}",
                flush=True,
            )
        open_train(mine, url, 0).context.close()  # warm: data loaded and cached once per process
        train_niced = train_row(classroom, process, url, args.seconds)
        print(
            f"Train page, one session in a niced browser: {train_niced['rate']:,.0f} samples/s against "
            f"{train_niced['headless']:,.0f} headless ({train_niced['rate'] / train_niced['headless']:.2f}x), "
            f"{train_niced['updates']:.1f} chart updates/s; "
            f"CPU cores used: server {train_niced['server_cores']:.2f}, Chromium {train_niced['browser_cores']:.2f}",
            flush=True,
        )
        idle_page = concept_page_s(mine, url)
        for n in args.sessions:
            rows.append(measure(mine, classroom, process, url, n, args.seconds, idle_page))
            row = rows[-1]
            against = (
                f"{row['headless']:,.0f} headless ({row['rate'] / row['headless']:.2f}x)"
                if n == 1
                else (
                    f"{row['alone']:,.0f} for session 0 alone before and after ({share(row, rows[0]):.2f}x)"
                    if row["alone"]
                    else f"the N=1 row ({share(row, rows[0]):.2f}x: a page could not be paused)"
                )
            )
            print(
                f"N={n}: {row['rate']:,.0f} samples/s against {against}, {row['updates']:.1f} chart updates/s, "
                f"pause/batch/reset worst {row['pause']:.2f}/{row['batch']:.2f}/{row['reset']:.2f} s, "
                f"concept page idle / busy: opened {row['page_idle'][0]:.2f} / {row['page_busy'][0]:.2f} s, "
                f"rerun {row['page_idle'][1]:.2f} / {row['page_busy'][1]:.2f} s, "
                f"RSS {row['rss']:,.0f} MB ({row['mb_per_session']:.1f} MB/session), "
                f"own seeds {row['own_seeds']}, own numbers {row['distinct_steps']}; CPU cores used: server "
                f"{row['server_cores']:.2f}, Chromium {row['browser_cores']:.2f}",
                flush=True,
            )
        mine.close()
        classroom.close()
    print(f"load average {Path('/proc/loadavg').read_text().split()[:3]}")
    toy, train = toys["niced browser"], train_niced
    targets = {
        "playground >= 0.7x headless, niced browser": toy["rate"] >= 0.7 * toy["headless"],
        "Train page >= 0.7x headless, niced browser": train["rate"] >= 0.7 * train["headless"],
        "charts >= 2 updates/s for one session": min(row["updates"] for row in (*toys.values(), rows[0])) >= 2,
        "N sessions >= 0.7x one session": all(share(row, rows[0]) >= 0.7 for row in rows),
        "Pause, Batch, Reset <= 0.5 s": all(max(row["pause"], row["batch"], row["reset"]) <= 0.5 for row in rows),
        "concept rerun busy <= 2x idle": all(row["page_busy"][1] <= 2 * row["page_idle"][1] for row in rows),
        "<= 25 MB per added session": all(row["mb_per_session"] <= 25 for row in rows[1:]),
        "every session its own seed and numbers": all(row["own_seeds"] and row["distinct_steps"] for row in rows),
    }
    seen = {  # with the browser on the server's own two cores: reported beside the targets, not among them
        "playground >= 0.7x headless, own browser": toys["own browser"]["rate"]
        >= 0.7 * toys["own browser"]["headless"],
        "Train page >= 0.7x headless, own browser": rows[0]["rate"] >= 0.7 * rows[0]["headless"],
    }
    for name, met in (*targets.items(), *seen.items()):
        print(f"{'met   ' if met else 'MISSED'} {name}{'' if name in targets else ' (not a target)'}")
    print("all targets met" if all(targets.values()) else "some targets missed")
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
