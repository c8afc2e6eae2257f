"""The one pipeline, `main`: input threads -> bounded queue -> one worker (filters, then outputs) ->
chunks marked done. Stops on SIGTERM/SIGINT or once every input has finished (a generator with a
count), as Logstash does: inputs first, then the queue drained, then the outputs closed."""
from __future__ import annotations

import signal
import threading
import traceback
from pathlib import Path
from typing import Any

from standin import filters, inputs, outputs
from standin.config import Config
from standin.logs import Logger
from standin.plumbing import Context, Queue

BATCH_SIZE = 125  # Logstash's pipeline.batch.size
BATCH_DELAY = 0.05  # and pipeline.batch.delay (50 ms)
LOG = Logger("logstash.javapipeline", "main")


class Pipeline:
    def __init__(self, config: Config, data_dir: Path):
        self.ctx = Context(data_dir, Queue(BATCH_SIZE))
        self.inputs = [(c.name, inputs.build(c, self.ctx)) for c in config.inputs]
        self.filters = [filters.build(c.name, c.options) for c in config.filters]
        self.outputs = outputs.build(config.outputs, data_dir)
        self.draining = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> int:
        LOG.info(f'Starting pipeline {{:pipeline_id=>"main", "pipeline.workers"=>1, "pipeline.batch.size"=>'
                 f'{BATCH_SIZE}, "pipeline.batch.delay"=>{int(BATCH_DELAY * 1000)}}}')
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self.on_signal)
        threads = [threading.Thread(target=self.run_input, args=(name, plugin), name=f"input-{name}", daemon=True)
                   for name, plugin in self.inputs]
        worker = threading.Thread(target=self.work, name="worker", daemon=True)
        worker.start()
        for t in threads:
            t.start()
        LOG.info('Pipeline started {"pipeline.id"=>"main"}')
        Logger("logstash.agent").info("Pipelines running {:count=>1, :running_pipelines=>[:main], "
                                      ":non_running_pipelines=>[]}")
        while not self.ctx.stopping.wait(0.2):
            if not any(t.is_alive() for t in threads):
                LOG.info("Input plugins stopped! Will shutdown filter/output workers.")
                break
        self.ctx.stopping.set()
        for t in threads:
            t.join()
        self.draining.set()
        worker.join()
        for output in self.outputs:
            output.close()
        LOG.info('Pipeline terminated {"pipeline.id"=>"main"}')
        if self.failure is not None:
            return 1
        Logger("logstash.runner").info("Logstash shut down.")
        return 0

    def on_signal(self, signum: int, _frame: Any) -> None:
        Logger("logstash.runner").warn(f"{signal.Signals(signum).name} received. Shutting down.")
        self.ctx.stopping.set()

    def run_input(self, name: str, plugin: Any) -> None:
        """As Logstash does, an input that fails is logged and started again a second later."""
        while True:
            try:
                plugin.run()
                return
            except Exception:  # noqa: BLE001 - any plugin error: log it, restart the plugin
                Logger(f"logstash.inputs.{name}", "main").error(
                    "A plugin had an unrecoverable error. Will restart this plugin.\n" + traceback.format_exc())
            if self.ctx.stopping.wait(1):
                return

    def work(self) -> None:
        queue = self.ctx.queue
        try:
            while True:
                chunks = queue.take(BATCH_SIZE, BATCH_DELAY)
                if not chunks:
                    if self.draining.is_set() and queue.empty():
                        return
                    continue
                events = [e for c in chunks for e in c.events]
                for f in self.filters:
                    events = f.filter(events)
                if events:
                    for output in self.outputs:
                        output.receive(events)
                for c in chunks:
                    c.done.set()
        except Exception as error:  # noqa: BLE001 - a worker error stops the pipeline, as in Logstash
            self.failure = error
            LOG.error("Pipeline worker error, the pipeline will be stopped\n" + traceback.format_exc())
            queue.close()
            self.ctx.stopping.set()


def run(config: Config, data_dir: Path) -> int:
    return Pipeline(config, data_dir).run()
