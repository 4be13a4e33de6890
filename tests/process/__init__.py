"""The case flow on top: the flow driven through the services, review timers, the BPMN export,
the task inbox in the API and the demo seeding."""
