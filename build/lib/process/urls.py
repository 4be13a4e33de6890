from django.urls import path

from process import views

app_name = "process"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/<int:task_id>/take/", views.task_take, name="task_take"),
    path("tasks/<int:task_id>/reassign/", views.task_reassign, name="task_reassign"),
    path("caseload/", views.caseload, name="caseload"),
]
