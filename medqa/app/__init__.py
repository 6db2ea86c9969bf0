"""The clinician demo: a Gradio app over medqa's generation backends, with ratings for a user study.

`medqa.app.ui.build_demo(backend, store, settings)` builds it; `demo/app.py` runs it. Importing
this package loads no model and starts no server.
"""
