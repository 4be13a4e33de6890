from django.urls import path

from process.api import views

urlpatterns = [
    path("tasks/", views.TaskList.as_view(), name="api-tasks"),
    path("tasks/<int:task_id>/assign/", views.TaskAssign.as_view(), name="api-task-assign"),
    path("tasks/<int:task_id>/reassign/", views.TaskReassign.as_view(), name="api-task-reassign"),
]
