"""Model assistance, Qt-free and store-free.

Models look at decoded upright pixels (:class:`labeler.assist.frames.Frame`) and answer with domain
shapes in the image's displayed frame, in original pixels, each with the model's class name and a
score (:class:`labeler.assist.predictions.Prediction`). What is done with them — stored apart as
suggestions, accepted into labels — is the services' business.

Modules:
    frames, predictions: what goes in and what comes out.
    letterbox, nms, masks: pre- and post-processing shared by the kinds.
    runtime: onnxruntime sessions sized to the machine.
    recognise: which kind a model file is, from its metadata and tensor layout.
    yolo, automl, sam: the model kinds, each by its documented tensor layout.
    classical: a weight-free segmenter (GrabCut from a box, flood fill from a click).
    scoring, endpoint: the Azure ML AutoML image scoring contract and a detector behind an URL.
    registry: the user's registered models (files pinned by SHA-256, endpoints, class maps).
    loading: a registered model made ready to run.
"""
